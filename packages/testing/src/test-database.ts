import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Database } from '@inflow/db';
import { quoteIdent, withAdminClient } from './admin-client';
import { databaseUrl, testEnv } from './test-env';

export interface TestDatabase {
  /** The database's own URL, for services started as child processes. */
  url: string;
  name: string;
  db: Database;
  /** Runs SQL directly, for arranging and checking what repositories do not expose. */
  sql<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<Row[]>;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

let templateReady: Promise<void> | null = null;

/**
 * Creates and migrates the run's template database once. Workers race for it under an advisory lock:
 * the first creates it, the others wait and find it there.
 */
async function ensureTemplate(): Promise<void> {
  templateReady ??= withAdminClient(async (client) => {
    const template = testEnv.templateDatabase;
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (found.rowCount !== 0) return;
      await client.query(`CREATE DATABASE ${quoteIdent(template)}`);
      const db = await Database.connect({
        url: databaseUrl(template),
        applicationName: 'inflow-test-setup',
        poolSize: 1,
      });
      try {
        await db.migrateUp();
      } finally {
        await db.close();
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });
  await templateReady;
}

/**
 * A fresh, migrated database of its own, cloned from the run's template (cheap: a file copy inside
 * Postgres). Each test file takes one in `beforeAll` and drops it in `afterAll`; the global teardown
 * drops any a crashed worker left behind.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureTemplate();
  // Unique per call, not per module: Jest loads this module afresh for every test file, so a counter would
  // give each file a worker runs the same name, and a connection some earlier file left open would find
  // (and its drop would cut) the next file's database.
  const name = `inflow_t_${testEnv.runId}_w${testEnv.workerId}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(async (client) => {
    // Two workers cloning the template at the same instant can collide on its lock; retry briefly.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query(
          `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(testEnv.templateDatabase)}`,
        );
        return;
      } catch (error) {
        if (attempt >= 10 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = databaseUrl(name);
  const db = await Database.connect({ url, applicationName: 'inflow-test', poolSize: 5 });
  const pool = new Pool({ connectionString: url, max: 2 });
  return {
    url,
    name,
    db,
    sql: async <Row extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
      (await pool.query<Row>(text, params)).rows,
    drop: async () => {
      await pool.end();
      await db.close();
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}

/** Creates an empty database (no migrations) for tests of the migrations themselves. */
export async function createEmptyDatabase(suffix: string): Promise<{ name: string; url: string }> {
  const name = `inflow_t_${testEnv.runId}_w${testEnv.workerId}_${suffix}`;
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  return { name, url: databaseUrl(name) };
}
