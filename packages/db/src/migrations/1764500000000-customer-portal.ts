import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The customer portal: rate limiting "Refresh my roles" per portal session. */
export class CustomerPortal1764500000000 implements MigrationInterface {
  name = 'CustomerPortal1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE portal_session ADD COLUMN roles_refreshed_at timestamptz;
      CREATE INDEX portal_session_expires_idx ON portal_session (expires_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX portal_session_expires_idx;
      ALTER TABLE portal_session DROP COLUMN roles_refreshed_at;
    `);
  }
}
