import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Merchant dashboard sessions, opened by signing in with an API key and ended with that key. */
export class Dashboard1764600000000 implements MigrationInterface {
  name = 'Dashboard1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dashboard_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        api_key_id uuid NOT NULL REFERENCES api_key (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX dashboard_session_expires_idx ON dashboard_session (expires_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dashboard_session;`);
  }
}
