import type { TestDatabase } from '@inflow/testing';

/** Every table's row count and a digest of its rows. */
export type TableSnapshot = Map<string, { rows: number; digest: string }>;

/**
 * Reads every table of the database. `api_key.last_used_at` is left out: a request with a valid key
 * touches it by design (the dashboard shows when a key was last used), whatever the request asked.
 */
export async function snapshotTables(t: TestDatabase): Promise<TableSnapshot> {
  const tables = await t.sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const snapshot: TableSnapshot = new Map();
  for (const { table_name: table } of tables) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const [row] = await t.sql<{ rows: number; digest: string | null }>(
      `SELECT count(*)::int AS rows,
              md5(string_agg((to_jsonb(x) - 'last_used_at')::text, '|' ORDER BY (to_jsonb(x) - 'last_used_at')::text)) AS digest
         FROM ${quoted} x`,
    );
    snapshot.set(table, { rows: row?.rows ?? 0, digest: row?.digest ?? '' });
  }
  return snapshot;
}

/** The tables whose rows differ: `table: 3 → 5 rows` or `table: rows changed`. */
export function tableChanges(before: TableSnapshot, after: TableSnapshot): string[] {
  const changes: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(table);
    const is = after.get(table);
    if (was?.rows !== is?.rows) changes.push(`${table}: ${was?.rows ?? 0} → ${is?.rows ?? 0} rows`);
    else if (was?.digest !== is?.digest) changes.push(`${table}: rows changed`);
  }
  return changes;
}
