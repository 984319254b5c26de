import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event ingestion writes a batch in one statement that checks what its read saw (row versions, rows not
 * yet there). When the check fails, the statement calls this function, which aborts it with SQLSTATE 40001
 * (serialization_failure), so nothing of the batch is written and the api reads and tries again.
 */
export class IngestionGuard1764900000000 implements MigrationInterface {
  name = 'IngestionGuard1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION ingestion_batch_stale() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION 'rows this ingestion batch read changed before it wrote'
          USING ERRCODE = 'serialization_failure', HINT = 'Read the batch again and retry.';
      END
      $$;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION ingestion_batch_stale()`);
  }
}
