import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QUEUE_NAMES } from '@inflow/contracts';
import { createProducer, createRedisConnection, type Producer } from '@inflow/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import type { Redis } from 'ioredis';
import { MAX_REDELIVERIES, OutboxRedeliveryService } from './outbox-redelivery.service';
import { arrangeGuild, snowflake, type ArrangedGuild } from './test/cleanup-fixture';

const MINUTE = 60_000;

describe('outbox redelivery after Redis lost published jobs', () => {
  let t: TestDatabase;
  let guild: ArrangedGuild;
  let redis: Redis;
  let producer: Producer<'notifications'>;
  let service: OutboxRedeliveryService;
  let roleSyncProducer: Producer<'role-sync'>;
  const prefix = uniqueRedisPrefix('redelivery');

  beforeAll(async () => {
    t = await createTestDatabase();
    guild = await arrangeGuild(t, snowflake(7));
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'redelivery-test' });
    producer = createProducer(QUEUE_NAMES.notifications, { connection: redis, prefix });
    roleSyncProducer = createProducer(QUEUE_NAMES.roleSync, { connection: redis, prefix });
    service = new OutboxRedeliveryService({
      outbox: t.db.repositories.outbox,
      producers: { notifications: producer, 'role-sync': roleSyncProducer },
      redeliverAfterMs: 10 * MINUTE,
      retentionMs: 7 * 24 * 60 * MINUTE,
      limit: 100,
    });
  });

  afterAll(async () => {
    await producer.close();
    await roleSyncProducer.close();
    await deleteRedisKeys(prefix);
    await redis.quit();
    await t.drop();
  });

  /** An outbox row of `notification.send` published `minutesAgo`, and the payload it carries. */
  async function published(minutesAgo: number, redeliveries = 0) {
    const payload = { inboundEventId: randomUUID(), guildId: guild.guildId };
    const [row] = await t.sql<{ id: string }>(
      `INSERT INTO outbox (job_name, payload, published_at, redeliveries)
       VALUES ('notification.send', $1, now() - make_interval(mins => $2), $3) RETURNING id::text AS id`,
      [payload, minutesAgo, redeliveries],
    );
    return { id: row!.id, payload };
  }

  async function delivered(payload: { inboundEventId: string }, status: string) {
    await t.sql(
      `INSERT INTO notification_delivery (merchant_id, guild_id, delivery_key, kind, nonce, status)
       VALUES ($1, $2, $3, 'payment.succeeded', $4, $5)`,
      [guild.merchantId, guild.guildId, `event:${payload.inboundEventId}`, randomUUID(), status],
    );
  }

  const unpublished = async () =>
    (await t.sql<{ id: string }>(`SELECT id::text AS id FROM outbox WHERE published_at IS NULL`)).map(
      (row) => row.id,
    );

  it('hands back to the relay only the old notifications with no outcome and no job left in the queue', async () => {
    const lost = await published(30);
    const stillSending = await published(30);
    await delivered(stillSending.payload, 'sending');
    const sent = await published(30);
    await delivered(sent.payload, 'sent');
    const skipped = await published(30);
    await delivered(skipped.payload, 'skipped');
    const queued = await published(30);
    await producer.add('notification.send', queued.payload);
    const recent = await published(2);
    const givenUp = await published(30, MAX_REDELIVERIES);
    const expired = await published(8 * 24 * 60);

    const result = await service.run(new Date());

    expect(result).toEqual({ unconfirmed: 3, republished: 2, pruned: 1 });
    expect((await unpublished()).sort()).toEqual([lost.id, stillSending.id].sort());
    const [counts] = await t.sql<{ redelivered: number; kept: number }>(
      `SELECT count(*) FILTER (WHERE redeliveries = 1)::int AS redelivered, count(*)::int AS kept FROM outbox`,
    );
    expect(counts).toEqual({ redelivered: 2, kept: 7 });
    expect(await t.sql(`SELECT 1 FROM outbox WHERE id = $1`, [expired.id])).toEqual([]);
    for (const row of [sent, skipped, queued, recent, givenUp]) {
      expect(await unpublished()).not.toContain(row.id);
    }
  });

  it('hands back a role sync whose member was not synced since it was published, unless still queued', async () => {
    await t.sql(`DELETE FROM outbox`);
    const member = async (userSeed: number, syncedMinutesAgo: number | null) => {
      const userId = snowflake(userSeed);
      await t.db.repositories.discordMembers.ensureKnown(guild.guildId, userId);
      if (syncedMinutesAgo !== null) {
        await t.sql(
          `UPDATE discord_member SET last_synced_at = now() - make_interval(mins => $3)
            WHERE guild_id = $1 AND discord_user_id = $2`,
          [guild.guildId, userId, syncedMinutesAgo],
        );
      }
      const payload = { guildId: guild.guildId, userId, reason: 'event' as const };
      const [row] = await t.sql<{ id: string }>(
        `INSERT INTO outbox (job_name, payload, published_at)
         VALUES ('role-sync.member', $1, now() - interval '30 minutes') RETURNING id::text AS id`,
        [payload],
      );
      return { id: row!.id, payload };
    };
    const neverSynced = await member(101, null);
    const syncedBefore = await member(102, 45);
    const syncedAfter = await member(103, 5);
    const queued = await member(104, null);
    await roleSyncProducer.add('role-sync.member', queued.payload);

    expect(await service.run(new Date())).toEqual({ unconfirmed: 3, republished: 2, pruned: 0 });
    expect((await unpublished()).sort()).toEqual([neverSynced.id, syncedBefore.id].sort());
    expect(await unpublished()).not.toContain(syncedAfter.id);
  });

  it('does nothing more once the relay has published them again and their jobs are queued', async () => {
    await t.sql(`UPDATE outbox SET published_at = now() - interval '30 minutes' WHERE published_at IS NULL`);
    for (const row of await t.sql<{ payload: { guildId: string; userId: string; reason: 'event' } }>(
      `SELECT payload FROM outbox WHERE redeliveries = 1`,
    )) {
      await roleSyncProducer.add('role-sync.member', row.payload);
    }
    expect(await service.run(new Date())).toEqual({ unconfirmed: 3, republished: 0, pruned: 0 });
    expect(await unpublished()).toEqual([]);
  });
});
