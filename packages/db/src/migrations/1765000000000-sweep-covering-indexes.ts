import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access-ended sweep pages through the two partial indexes of subscription in their own order. With
 * the columns the sweep's joins need carried in the indexes, a page is an index-only scan of its own
 * entries: no read of the table, whatever its size (without them, the planner joins the page back to the
 * table and may choose to scan all of it for every page of a small table).
 *
 * Built CONCURRENTLY, outside a transaction, so that writes to subscription go on during the build. A
 * build that was interrupted leaves an invalid index behind; running the migration again drops it first.
 */
export class SweepCoveringIndexes1765000000000 implements MigrationInterface {
  name = 'SweepCoveringIndexes1765000000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(
      queryRunner,
      'subscription_access_ends_idx',
      `(access_ends_at, id) INCLUDE (offer_id, customer_id) WHERE access_ends_at IS NOT NULL`,
    );
    await replaceIndex(
      queryRunner,
      'subscription_ended_by_event_idx',
      `(updated_at, id) INCLUDE (offer_id, customer_id, access_ends_at)
       WHERE status IN ('PAST_DUE', 'CANCELED', 'EXPIRED')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(
      queryRunner,
      'subscription_access_ends_idx',
      `(access_ends_at, id) WHERE access_ends_at IS NOT NULL`,
    );
    await replaceIndex(
      queryRunner,
      'subscription_ended_by_event_idx',
      `(updated_at, id) WHERE status IN ('PAST_DUE', 'CANCELED', 'EXPIRED')`,
    );
  }
}

/** Builds the new definition beside the index, then swaps it in under the index's name. */
async function replaceIndex(queryRunner: QueryRunner, name: string, definition: string): Promise<void> {
  const building = `${name}_new`;
  await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${building}`);
  await queryRunner.query(`CREATE INDEX CONCURRENTLY ${building} ON subscription ${definition}`);
  await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  await queryRunner.query(`ALTER INDEX ${building} RENAME TO ${name}`);
}
