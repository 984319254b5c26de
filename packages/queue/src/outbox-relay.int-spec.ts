import { QUEUE_NAMES, type QueueName } from '@inflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  deleteRedisKeys,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startOutboxRelay, type OutboxProducers, type OutboxRelay } from './outbox-relay';
import { createProducer, type Producer } from './producer';
import { createRedisConnection, waitUntilRedisReady } from './redis-connection';
import { InMemoryOutboxSource } from './test/in-memory-outbox-source';
import { waitFor } from './test/wait-for';

const GUILD_ID = '1098765432109876543';
const EVENT_ID = '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e';

function userId(index: number): string {
  return (412345678901234567n + BigInt(index)).toString();
}

describe('startOutboxRelay with real producers', () => {
  let connection: Redis;
  const prefixes: string[] = [];
  const closers: Array<{ close(): Promise<void> }> = [];
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    connection = createRedisConnection(testEnv.redisUrl, { purpose: 'producer', name: 'relay-test' });
    await waitUntilRedisReady(connection, 5_000);
  });

  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    for (const closer of closers.reverse()) {
      await closer.close();
    }
    await connection.quit();
    for (const prefix of prefixes) {
      await deleteRedisKeys(prefix);
    }
  });

  /** Real producers on a fresh prefix; `published` records every job handed to them, by user id. */
  function realProducers() {
    const prefix = uniqueRedisPrefix('relay');
    prefixes.push(prefix);
    const published: string[] = [];
    function recorded<Queue extends QueueName>(queue: Queue): Pick<Producer<Queue>, 'addBulk'> {
      const producer = createProducer(queue, { connection, prefix });
      closers.push(producer);
      return {
        addBulk: (jobs) => {
          for (const job of jobs) {
            published.push((job.payload as { userId?: string }).userId ?? job.name);
          }
          return producer.addBulk(jobs);
        },
      };
    }
    const producers: OutboxProducers = {
      [QUEUE_NAMES.roleSync]: recorded(QUEUE_NAMES.roleSync),
      [QUEUE_NAMES.notifications]: recorded(QUEUE_NAMES.notifications),
      [QUEUE_NAMES.cleanup]: recorded(QUEUE_NAMES.cleanup),
    };
    const inspect = (queue: QueueName): Queue => {
      const queueForTests = new Queue(queue, { connection, prefix });
      closers.push(queueForTests);
      return queueForTests;
    };
    return { producers, published, inspect };
  }

  function start(...args: Parameters<typeof startOutboxRelay>): OutboxRelay {
    const relay = startOutboxRelay(...args);
    relays.push(relay);
    return relay;
  }

  it('turns rows into jobs on their queues, and a batch published twice into one job per target', async () => {
    const { producers, inspect } = realProducers();
    const source = new InMemoryOutboxSource();
    for (const reason of ['event', 'link', 'offer-change']) {
      source.insert('role-sync.member', { guildId: GUILD_ID, userId: userId(1), reason });
    }
    source.insert('notification.send', { inboundEventId: EVENT_ID, guildId: GUILD_ID });
    source.insert('cleanup.sweep', {});
    const broken = source.insert('notification.send', { inboundEventId: 'evt_1', guildId: GUILD_ID });
    source.failNextCommit = true;
    const errors: string[] = [];

    start({ source, producers, maxBackoffMs: 20, onError: (error) => errors.push(error.message) });

    await waitFor('all rows settled', () => source.count('pending') === 0);
    expect(errors).toEqual(['Connection terminated before COMMIT']);
    expect(source.count('published')).toBe(5);
    expect(source.deadReason(broken)).toMatch(
      /^Invalid payload for job "notification.send": inboundEventId: /,
    );
    // The first attempt reached Redis before its commit failed; the retry collapsed into the same jobs.
    expect(await inspect('role-sync').getWaitingCount()).toBe(1);
    expect(await inspect('notifications').getWaitingCount()).toBe(1);
    // cleanup.sweep has no catalog id, so nothing collapses it: at-least-once shows as a second job.
    expect(await inspect('cleanup').getWaitingCount()).toBe(2);
  });

  describe('against the Postgres outbox', () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
    }, 30_000);

    afterAll(async () => {
      await database.drop();
    });

    it('with two relays publishes every row exactly once and parks the row it cannot publish', async () => {
      const { producers, published, inspect } = realProducers();
      const total = 300;
      await database.db.repositories.outbox.add(
        Array.from({ length: total }, (_, index) => ({
          jobName: 'role-sync.member',
          payload: { guildId: GUILD_ID, userId: userId(index), reason: 'event' },
        })),
      );
      await database.db.repositories.outbox.add([
        { jobName: 'role-sync.everyone', payload: { guildId: GUILD_ID } },
      ]);
      const publishedBy = [0, 0];
      const deadLetters: string[] = [];

      for (const relayIndex of [0, 1]) {
        start({
          source: database.db.repositories.outbox,
          producers,
          batchSize: 20,
          idleDelayMs: 20,
          onPublished: (count) => (publishedBy[relayIndex]! += count),
          onDeadLetter: (row, reason) => deadLetters.push(`${row.jobName}: ${reason}`),
        });
      }

      await waitFor(
        'the outbox drained and the bad row reported',
        async () => deadLetters.length === 1 && (await database.db.repositories.outbox.lag()).pending === 0,
        10_000,
      );
      expect(published).toHaveLength(total);
      expect(new Set(published).size).toBe(total);
      expect(publishedBy[0]! + publishedBy[1]!).toBe(total);
      expect(publishedBy[0]).toBeGreaterThan(0);
      expect(publishedBy[1]).toBeGreaterThan(0);
      expect(await inspect('role-sync').getWaitingCount()).toBe(total);
      // The row no job can be made of was parked instead of blocking the outbox.
      expect(deadLetters).toEqual(['role-sync.everyone: unknown job name "role-sync.everyone"']);
    }, 20_000);
  });
});
