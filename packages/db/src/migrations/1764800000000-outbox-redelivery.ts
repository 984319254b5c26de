import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Published outbox rows, found by when they were published: the cleanup cycle re-publishes notification
 * jobs that Redis lost (a flush, a restart without persistence) and prunes rows past their retention.
 * `redeliveries` bounds how often one row is published again.
 */
export class OutboxRedelivery1764800000000 implements MigrationInterface {
  name = 'OutboxRedelivery1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE outbox ADD COLUMN redeliveries smallint NOT NULL DEFAULT 0;
      CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL AND dead_at IS NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX outbox_published_idx;
      ALTER TABLE outbox DROP COLUMN redeliveries;
    `);
  }
}
