import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createEmptyDatabase, dropDatabase } from '@inflow/testing';
import { Database } from '../database';
import { MIGRATIONS } from '.';

const NAMES = MIGRATIONS.map((migration) => migration.name);

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migration' ORDER BY tablename`,
    );
    return result.rows.map((row) => row.tablename);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  let name: string;
  let url: string;
  let db: Database;

  beforeAll(async () => {
    ({ name, url } = await createEmptyDatabase('migrations'));
    db = await Database.connect({ url, poolSize: 1 });
  });

  afterAll(async () => {
    await db.close();
    await dropDatabase(name);
  });

  it('apply to an empty database, creating every table of the data model', async () => {
    const timestamps = NAMES.map((name) => Number(/(\d{13})$/.exec(name)?.[1]));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(await db.migrationStatus()).toEqual({ applied: [], pending: NAMES });
    expect(await db.migrateUp()).toEqual(NAMES);
    expect(await tables(url)).toEqual([
      'api_key',
      'audit_log',
      'customer',
      'dashboard_session',
      'discord_guild',
      'discord_link',
      'discord_member',
      'inbound_event',
      'merchant',
      'merchant_alert',
      'notification_delivery',
      'oauth_state',
      'offer',
      'outbox',
      'portal_session',
      'role_grant',
      'subscription',
      'sweep_cursor',
    ]);
    expect(await db.migrateUp()).toEqual([]);
  });

  it('revert cleanly one by one, newest first, leaving no table behind, and apply again', async () => {
    for (const name of [...NAMES].reverse()) expect(await db.migrateDown()).toBe(name);
    expect(await tables(url)).toEqual([]);
    expect(await db.migrateDown()).toBeNull();
    expect(await db.migrateUp()).toEqual(NAMES);
    expect((await db.migrationStatus()).pending).toEqual([]);
  });
});
