import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Operators: merchants allowed into the queue dashboard, which shows every merchant's jobs. */
export class Operators1764700000000 implements MigrationInterface {
  name = 'Operators1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE merchant ADD COLUMN is_operator boolean NOT NULL DEFAULT false;`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE merchant DROP COLUMN is_operator;`);
  }
}
