import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Database } from '@inflow/db';
import { createProducer, createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  eventually,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import type { Redis } from 'ioredis';
import { ACCESS_ENDED_CURSOR, CleanupSweepService } from './cleanup-sweep.service';
import { RedisDriftPosition } from './drift-position';
import { arrangeGuild, snowflake, type ArrangedGuild } from './test/cleanup-fixture';

const NOW = new Date('2034-01-01T12:00:00Z');
const WINDOW_START = new Date('2034-01-01T11:50:00Z');
const PARTIAL_INDEXES = ['subscription_access_ends_idx', 'subscription_ended_by_event_idx'];

interface IndexStats {
  indexrelname: string;
  idx_scan: string;
  idx_tup_read: string;
}

/**
 * The sweep's cost must follow the rows due, not the table. Timing would be flaky and prove little;
 * instead the test reads Postgres' own counters for the sweep's statements: which indexes they used,
 * how many index entries they read, and whether anything scanned the subscription table sequentially.
 */
describe('access-ended sweep cost', () => {
  let t: TestDatabase;
  let redis: Redis;
  let guild: ArrangedGuild;
  const prefix = uniqueRedisPrefix('cleanup-cost');
  const due: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'cleanup-cost-test' });
    await waitUntilRedisReady(redis, 5_000);
    guild = await arrangeGuild(t, snowflake(1));
    const [customer] = await t.sql<{ id: string }>(
      `INSERT INTO customer (merchant_id, external_id) VALUES ($1, 'bulk') RETURNING id`,
      [guild.merchantId],
    );
    const bulk = (status: string, count: number, accessEndsAt: string | null, updatedAt: string) =>
      t.sql(
        `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, cancel_at_period_end,
                                   access_ends_at, last_event_at, last_event_id, updated_at)
         SELECT $1, $2 || g, $3, $4, $2, false, $5::timestamptz, $6::timestamptz, 'evt_bulk', $6::timestamptz
           FROM generate_series(1, $7::int) g`,
        [guild.merchantId, status, customer!.id, guild.offerId, accessEndsAt, updatedAt, count],
      );
    // Rows the sweep must not pay for, several thousand of them inside the partial indexes.
    await bulk('ACTIVE', 40_000, null, '2033-06-01T00:00:00Z');
    await bulk('PAST_DUE', 5_000, '2034-02-01T00:00:00Z', '2033-12-01T00:00:00Z');
    await bulk('CANCELED', 5_000, '2030-01-01T00:00:00Z', '2029-12-01T00:00:00Z');
    await bulk('EXPIRED', 5_000, null, '2030-01-01T00:00:00Z');
    // Five due: three by the clock, two by an event; each a linked customer of its own.
    for (const [n, status, accessEndsAt, updatedAt] of [
      [1, 'PAST_DUE', '2034-01-01T11:55:00Z', '2033-12-29T11:55:00Z'],
      [2, 'PAST_DUE', '2034-01-01T11:56:00Z', '2033-12-29T11:56:00Z'],
      [3, 'CANCELED', '2034-01-01T11:57:00Z', '2033-12-20T00:00:00Z'],
      [4, 'EXPIRED', null, '2034-01-01T11:58:00Z'],
      [5, 'CANCELED', null, '2034-01-01T11:58:30Z'],
    ] as const) {
      const user = snowflake(100 + n);
      const customerId = await t.db.repositories.customers.upsert(guild.merchantId, `due_${n}`, null);
      await t.sql(
        `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
        [guild.merchantId, customerId, user],
      );
      await t.sql(
        `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, cancel_at_period_end,
                                   access_ends_at, last_event_at, last_event_id, updated_at)
         VALUES ($1, $2, $3, $4, $5, false, $6, $7, 'evt_due', $7)`,
        [guild.merchantId, `due_${n}`, customerId, guild.offerId, status, accessEndsAt, updatedAt],
      );
      due.push(user);
    }
    await t.sql('ANALYZE subscription');
  });

  afterAll(async () => {
    await redis.quit();
    await deleteRedisKeys(prefix);
    await t.drop();
  });

  async function counters() {
    const indexes = await t.sql<IndexStats & Record<string, unknown>>(
      `SELECT indexrelname, idx_scan::text, idx_tup_read::text FROM pg_stat_user_indexes WHERE relname = 'subscription'`,
    );
    const [table] = await t.sql<{ seq_scan: string; seq_tup_read: string }>(
      `SELECT seq_scan::text, seq_tup_read::text FROM pg_stat_user_tables WHERE relname = 'subscription'`,
    );
    const index = (name: string) => indexes.find((row) => row.indexrelname === name);
    return {
      seqScans: Number(table!.seq_scan),
      scans: PARTIAL_INDEXES.map((name) => Number(index(name)?.idx_scan ?? 0)),
      entriesRead: PARTIAL_INDEXES.map((name) => Number(index(name)?.idx_tup_read ?? 0)),
    };
  }

  /** One sweep of the window on a pool of its own, with Postgres' counters before and after it. */
  async function sweepCounted(pageSize: number) {
    await t.db.repositories.sweepCursors.set(ACCESS_ENDED_CURSOR, WINDOW_START);
    // A connection of its own: a backend reports its counters when it exits, so closing it makes the
    // sweep's counters visible at once (an idle backend may hold them back for seconds).
    const probe = await Database.connect({ url: t.url, applicationName: 'cleanup-cost-probe', poolSize: 1 });
    const roleSync = createProducer('role-sync', { connection: redis, prefix });
    const service = new CleanupSweepService({
      subscriptions: probe.repositories.subscriptions,
      sweepCursors: probe.repositories.sweepCursors,
      discordMembers: probe.repositories.discordMembers,
      driftPosition: new RedisDriftPosition(redis, `${prefix}:drift-position`),
      roleSync,
      intervalMs: 300_000,
      commitMarginMs: 30_000,
      pageSize,
      driftMaxAgeMs: 86_400_000,
      driftBatchLimit: 5_000,
    });
    const before = await counters();

    const result = await service.sweep(NOW);
    await roleSync.close();
    await probe.close();

    const after = await eventually(async () => {
      const now = await counters();
      now.scans.forEach((scans, i) => expect(scans).toBeGreaterThan(before.scans[i]!));
      return now;
    }, 15_000);
    return {
      result,
      seqScans: after.seqScans - before.seqScans,
      entriesRead: after.entriesRead.map((read, i) => read - before.entriesRead[i]!),
    };
  }

  it('reads only the due rows, through the partial indexes, never scanning the table', async () => {
    const { result, seqScans, entriesRead } = await sweepCounted(1_000);

    expect(result).toMatchObject({ subscriptions: due.length, members: due.length, pages: 1 });
    expect(seqScans).toBe(0);
    // Each index is read only over the window: at most the five due rows, out of thousands of entries.
    entriesRead.forEach((read) => expect(read).toBeLessThanOrEqual(due.length));
  });

  it('reads each due row once however many pages the window takes', async () => {
    const { result, seqScans, entriesRead } = await sweepCounted(2);

    expect(result).toMatchObject({ subscriptions: due.length, members: due.length, pages: 3 });
    expect(seqScans).toBe(0);
    // Three pages; a page that re-read the window from its start would read up to three times the rows.
    expect(entriesRead.reduce((sum, read) => sum + read, 0)).toBeLessThanOrEqual(due.length);
  });
});
