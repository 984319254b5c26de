import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer, createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisDriftPosition } from './drift-position';
import { ACCESS_ENDED_CURSOR, CleanupSweepService, type CleanupSweepOptions } from './cleanup-sweep.service';
import {
  arrangeGuild,
  arrangeOffer,
  arrangeSubscription,
  snowflake,
  waitingRoleSyncs,
  type ArrangedGuild,
} from './test/cleanup-fixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (iso: string) => new Date(iso);

describe('CleanupSweepService against Postgres and Redis', () => {
  let t: TestDatabase;
  let redis: Redis;
  let g1: ArrangedGuild;
  let g2: ArrangedGuild;
  const prefixes: string[] = [];
  const closers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'cleanup-sweep-test' });
    await waitUntilRedisReady(redis, 5_000);
    g1 = await arrangeGuild(t, snowflake(1));
    g2 = await arrangeGuild(t, snowflake(2));
  });

  afterAll(async () => {
    for (const closer of closers.reverse()) await closer.close();
    await redis.quit();
    for (const prefix of prefixes) await deleteRedisKeys(prefix);
    await t.drop();
  });

  /** A sweeper enqueueing into a queue prefix of its own, and a view of what it enqueued. */
  function setup(overrides: Partial<CleanupSweepOptions> = {}) {
    const prefix = uniqueRedisPrefix('cleanup-sweep');
    prefixes.push(prefix);
    const roleSync = createProducer('role-sync', { connection: redis, prefix });
    const inspector = new Queue('role-sync', { connection: redis, prefix });
    closers.push(roleSync, inspector);
    const service = new CleanupSweepService({
      subscriptions: t.db.repositories.subscriptions,
      sweepCursors: t.db.repositories.sweepCursors,
      discordMembers: t.db.repositories.discordMembers,
      driftPosition: new RedisDriftPosition(redis, `${prefix}:drift-position`),
      roleSync,
      intervalMs: 300_000,
      commitMarginMs: 30_000,
      pageSize: 2,
      driftMaxAgeMs: 86_400_000,
      driftBatchLimit: 5_000,
      ...overrides,
    });
    return { service, roleSyncs: () => waitingRoleSyncs(inspector) };
  }

  const cleanup = (guild: ArrangedGuild, user: string) => `${guild.guildId}:${user}:cleanup`;

  it('enqueues one sync per linked member whose access ended in the window; none for active or unlinked', async () => {
    const { service, roleSyncs } = setup();
    const [u1, u2, u3, u4, u5, u6] = [11, 12, 13, 14, 15, 16].map(snowflake) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // Window (11:54:30, 11:59:30]: the cursor, then now minus the 30 s commit margin.
    await t.db.repositories.sweepCursors.set(ACCESS_ENDED_CURSOR, at('2031-03-01T11:54:30Z'));
    const graceOver = await arrangeSubscription(t, {
      guild: g1,
      status: 'PAST_DUE',
      discordUserId: u1,
      accessEndsAt: at('2031-03-01T11:57:00Z'),
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'CANCELED',
      discordUserId: u2,
      accessEndsAt: at('2031-03-01T11:58:00Z'),
    });
    // The same person's second subscription in that guild, on another offer: still one job for them.
    await arrangeSubscription(t, {
      guild: { ...g1, offerId: await arrangeOffer(t, g1.merchantId, g1.guildId) },
      customerId: graceOver.customerId,
      status: 'CANCELED',
      discordUserId: u1,
      accessEndsAt: at('2031-03-01T11:56:00Z'),
    });
    // The same Discord user in another merchant's guild: a job of its own.
    await arrangeSubscription(t, {
      guild: g2,
      status: 'PAST_DUE',
      discordUserId: u1,
      accessEndsAt: at('2031-03-01T11:55:00Z'),
    });
    await arrangeSubscription(t, { guild: g1, status: 'ACTIVE', discordUserId: u3, accessEndsAt: null });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'PAST_DUE',
      discordUserId: u4,
      accessEndsAt: at('2031-03-01T13:00:00Z'),
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'PAST_DUE',
      discordUserId: null,
      accessEndsAt: at('2031-03-01T11:57:00Z'),
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'PAST_DUE',
      discordUserId: u5,
      accessEndsAt: at('2031-03-01T11:50:00Z'),
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'CANCELED',
      discordUserId: u6,
      accessEndsAt: at('2031-03-01T11:59:45Z'),
    });

    const result = await service.sweep(at('2031-03-01T12:00:00Z'));

    expect(result).toMatchObject({
      window: { from: at('2031-03-01T11:54:30Z'), to: at('2031-03-01T11:59:30Z') },
      subscriptions: 4,
      pages: 3,
    });
    expect(await roleSyncs()).toEqual([cleanup(g1, u1), cleanup(g1, u2), cleanup(g2, u1)].sort());
    expect(await t.db.repositories.sweepCursors.get(ACCESS_ENDED_CURSOR)).toEqual(at('2031-03-01T11:59:30Z'));

    // What ended inside the margin belongs to the next window.
    const next = await service.sweep(at('2031-03-01T12:05:00Z'));
    expect(next).toMatchObject({ subscriptions: 1, members: 1 });
    expect(await roleSyncs()).toContain(cleanup(g1, u6));
  });

  it('enqueues nothing new when swept again right after', async () => {
    const { service, roleSyncs } = setup();
    await t.db.repositories.sweepCursors.set(ACCESS_ENDED_CURSOR, at('2032-05-01T08:00:00Z'));
    for (const user of [21, 22].map(snowflake)) {
      await arrangeSubscription(t, {
        guild: g1,
        status: 'PAST_DUE',
        discordUserId: user,
        accessEndsAt: at('2032-05-01T08:03:00Z'),
      });
    }
    expect(await service.sweep(at('2032-05-01T08:05:00Z'))).toMatchObject({ subscriptions: 2, members: 2 });
    const queued = await roleSyncs();
    expect(queued).toHaveLength(2);

    const again = await service.sweep(at('2032-05-01T08:05:01Z'));
    expect(again).toMatchObject({
      window: { from: at('2032-05-01T08:04:30Z'), to: at('2032-05-01T08:04:31Z') },
      subscriptions: 0,
      members: 0,
    });
    expect(await roleSyncs()).toEqual(queued);
  });

  it('catches access ended by an event: an ending status with updated_at in the window', async () => {
    const { service, roleSyncs } = setup();
    const [expired, canceled, active, earlier] = [31, 32, 33, 34].map(snowflake) as [
      string,
      string,
      string,
      string,
    ];
    await t.db.repositories.sweepCursors.set(ACCESS_ENDED_CURSOR, at('2033-07-01T00:00:00Z'));
    const inWindow = at('2033-07-01T00:02:00Z');
    await arrangeSubscription(t, {
      guild: g1,
      status: 'EXPIRED',
      discordUserId: expired,
      accessEndsAt: null,
      updatedAt: inWindow,
    });
    // Canceled at once (not at period end): no clock end, only the event's timestamp.
    await arrangeSubscription(t, {
      guild: g2,
      status: 'CANCELED',
      discordUserId: canceled,
      accessEndsAt: null,
      updatedAt: inWindow,
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'ACTIVE',
      discordUserId: active,
      accessEndsAt: null,
      updatedAt: inWindow,
    });
    await arrangeSubscription(t, {
      guild: g1,
      status: 'EXPIRED',
      discordUserId: earlier,
      accessEndsAt: null,
      updatedAt: at('2033-06-30T23:59:00Z'),
    });

    await service.sweep(at('2033-07-01T00:05:00Z'));

    expect(await roleSyncs()).toEqual([cleanup(g1, expired), cleanup(g2, canceled)].sort());
  });

  it('sweeps a row whose transaction committed after the sweep read past its timestamp', async () => {
    // updated_at is the writing transaction's start time; the row appears only at commit.
    async function expireWhileSweeping(user: string, service: CleanupSweepService, marginMs: number) {
      const { subscriptionId } = await arrangeSubscription(t, {
        guild: g1,
        status: 'ACTIVE',
        discordUserId: user,
        accessEndsAt: null,
      });
      // Swept up to just before the write, so only this row can be in the next windows.
      await t.db.repositories.sweepCursors.set(ACCESS_ENDED_CURSOR, new Date());
      let release!: () => void;
      let began!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const started = new Promise<void>((resolve) => (began = resolve));
      const slowTransaction = t.db.transaction(async (repos) => {
        await repos.subscriptions.update(subscriptionId, {
          offerId: g1.offerId,
          status: 'EXPIRED',
          currentPeriodEnd: null,
          cancelAtPeriodEnd: false,
          pastDueSince: null,
          accessEndsAt: null,
          lastEventAt: new Date(),
          lastEventId: `evt_late_${user}`,
        });
        began();
        await held;
      });
      await started;
      await sleep(20);
      await service.sweep(new Date());
      release();
      await slowTransaction;
      // Wait out the margin, so that the next window reaches past the row's timestamp.
      await sleep(marginMs + 100);
      await service.sweep(new Date());
    }

    const withMargin = setup({ commitMarginMs: 2_000 });
    await expireWhileSweeping(snowflake(41), withMargin.service, 2_000);
    expect(await withMargin.roleSyncs()).toEqual([cleanup(g1, snowflake(41))]);

    // Why the margin exists: a window ending at the present reads before the commit, and the next one
    // starts after the row's timestamp.
    const withoutMargin = setup({ commitMarginMs: 0 });
    await expireWhileSweeping(snowflake(42), withoutMargin.service, 0);
    expect(await withoutMargin.roleSyncs()).toEqual([]);
  });

  it('keeps the drift position in Redis, and starts over when what it finds there is unreadable', async () => {
    const key = `${uniqueRedisPrefix('drift-position')}:position`;
    prefixes.push(key);
    const position = new RedisDriftPosition(redis, key);
    expect(await position.get()).toBeNull();
    await position.set({ guildId: g1.guildId, discordUserId: snowflake(5) });
    expect(await position.get()).toEqual({ guildId: g1.guildId, discordUserId: snowflake(5) });
    await redis.set(key, '{"guildId":"not-a-snowflake"');
    expect(await position.get()).toBeNull();
    await position.set(null);
    expect(await redis.exists(key)).toBe(0);
  });

  it('drift re-syncs only members not synced within the drift age, at most the batch limit per run', async () => {
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const removedGuild = await arrangeGuild(t, snowflake(3));
    await t.db.repositories.discordGuilds.markRemoved(removedGuild.guildId, now);
    const members: Array<[ArrangedGuild, number, Date | null]> = [
      [g1, 61, ago(2 * 86_400_000)],
      [g1, 62, ago(2 * 86_400_000)],
      [g1, 63, null],
      [g1, 64, ago(86_400_000 + 60_000)],
      [g2, 65, ago(3 * 86_400_000)],
      [g2, 66, null],
      [g1, 67, ago(3_600_000)],
      [g2, 68, ago(60_000)],
      [removedGuild, 69, ago(5 * 86_400_000)],
    ];
    for (const [guild, user, lastSyncedAt] of members) {
      await t.sql(
        `INSERT INTO discord_member (guild_id, discord_user_id, merchant_id, presence, last_synced_at)
         VALUES ($1, $2, $3, 'member', $4)`,
        [guild.guildId, snowflake(user), guild.merchantId, lastSyncedAt],
      );
      // Drift concerns members with managed-role state only.
      await t.sql(
        `INSERT INTO role_grant (merchant_id, guild_id, discord_user_id, role_id, desired, applied, sync_state)
         VALUES ($1, $2, $3, $4, true, true, 'synced')`,
        [guild.merchantId, guild.guildId, snowflake(user), snowflake(900 + user)],
      );
    }
    // A stale member the system never granted anything is not drift's business.
    await t.sql(
      `INSERT INTO discord_member (guild_id, discord_user_id, merchant_id, presence, last_synced_at) VALUES ($1, $2, $3, 'member', NULL)`,
      [g1.guildId, snowflake(70), g1.merchantId],
    );
    const drift = (guild: ArrangedGuild, user: number) => `${guild.guildId}:${snowflake(user)}:drift`;
    const stale = [drift(g1, 61), drift(g1, 62), drift(g1, 63), drift(g1, 64), drift(g2, 65), drift(g2, 66)];

    const bounded = setup({ driftBatchLimit: 4, pageSize: 3 });
    expect(await bounded.service.drift(now)).toMatchObject({ members: 4, pages: 2, stoppedAtLimit: true });
    // Key order: the first four stale members of the first guild.
    expect(await bounded.roleSyncs()).toEqual(stale.slice(0, 4));
    // Nothing was synced in between (no role-sync worker runs here): the next run still moves on.
    expect(await bounded.service.drift(now)).toMatchObject({ members: 2, stoppedAtLimit: false });
    expect(await bounded.roleSyncs()).toEqual(stale);

    const unbounded = setup({ driftBatchLimit: 100, pageSize: 3 });
    expect(await unbounded.service.drift(now)).toMatchObject({ members: 6, stoppedAtLimit: false });
    expect(await unbounded.roleSyncs()).toEqual(stale);
  });
});
