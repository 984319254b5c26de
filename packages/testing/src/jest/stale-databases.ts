import { quoteIdent, withAdminClient } from '../admin-client';

const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** A run id starts with its start time, so leftovers of killed runs can be told from live ones. */
export function newRunId(now = Date.now(), random = Math.random()): string {
  return `${Math.floor(now / 1000).toString(36)}x${Math.floor(random * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}

function runStartedAt(database: string): number | null {
  const match = /^inflow_t_([0-9a-z]+)x[0-9a-f]{4}_/.exec(database);
  return match?.[1] === undefined ? null : parseInt(match[1], 36) * 1000;
}

async function dropWhere(keep: (name: string) => boolean): Promise<void> {
  await withAdminClient(async (client) => {
    const rows = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'inflow\\_t\\_%'`,
    );
    for (const { datname } of rows.rows) {
      if (!keep(datname)) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
  });
}

/** Every database of this run (template and clones). */
export async function dropRunDatabases(runId: string): Promise<void> {
  await dropWhere((name) => !name.startsWith(`inflow_t_${runId}_`));
}

/** Databases of runs killed before their teardown, hours ago; runs going on in parallel are left alone. */
export async function dropStaleTestDatabases(now = Date.now()): Promise<void> {
  await dropWhere((name) => {
    const startedAt = runStartedAt(name);
    return startedAt !== null && now - startedAt < STALE_AFTER_MS;
  });
}
