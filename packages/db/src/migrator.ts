import type { DataSource } from 'typeorm';

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Applies every pending migration, each in its own transaction. Returns the names applied. */
export async function migrateUp(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((migration) => migration.name);
}

/**
 * Reverts the most recent migration, in a transaction unless the migration opts out (`transaction = false`,
 * for statements such as CREATE INDEX CONCURRENTLY; TypeORM honours the flag when applying, not when
 * reverting). Returns its name, or null when none is applied.
 */
export async function migrateDown(dataSource: DataSource): Promise<string | null> {
  const before = await migrationStatus(dataSource);
  const last = before.applied.at(-1);
  if (last === undefined) return null;
  const migration = dataSource.migrations.find((m) => (m.name ?? m.constructor.name) === last);
  await dataSource.undoLastMigration({ transaction: migration?.transaction === false ? 'none' : 'each' });
  return last;
}

/** Which migrations are applied and which are pending. */
export async function migrationStatus(dataSource: DataSource): Promise<MigrationStatus> {
  const known = dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name);
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const exists = await dataSource.query<Array<{ name: string | null }>>(`SELECT to_regclass($1) AS name`, [
    table,
  ]);
  if (exists[0]?.name == null) return { applied: [], pending: known };
  const rows = await dataSource.query<Array<{ name: string }>>(`SELECT name FROM ${table} ORDER BY id`);
  const applied = rows.map((row) => row.name);
  return { applied, pending: known.filter((name) => !applied.includes(name)) };
}
