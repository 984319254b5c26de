import { QUEUE_NAMES, type QueueName } from '@inflow/contracts';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startOutboxRelay, type OutboxProducers, type OutboxRelay, type OutboxRow } from './outbox-relay';
import type { Producer } from './producer';
import { InMemoryOutboxSource } from './test/in-memory-outbox-source';
import { sleep, waitFor } from './test/wait-for';

const GUILD_ID = '1098765432109876543';

function userId(index: number): string {
  return (412345678901234567n + BigInt(index)).toString();
}

function roleSyncPayload(index: number): unknown {
  return { guildId: GUILD_ID, userId: userId(index), reason: 'event' };
}

/** Producers that record what they were asked to enqueue; can fail (Redis down) or be slow. */
class RecordingProducers {
  readonly received: Array<{ queue: QueueName; name: string; payload: unknown }> = [];
  failuresLeft = 0;
  latencyMs = 0;

  readonly producers: OutboxProducers = {
    [QUEUE_NAMES.roleSync]: this.producer(QUEUE_NAMES.roleSync),
    [QUEUE_NAMES.notifications]: this.producer(QUEUE_NAMES.notifications),
    [QUEUE_NAMES.cleanup]: this.producer(QUEUE_NAMES.cleanup),
  };

  private producer<Queue extends QueueName>(queue: Queue): Pick<Producer<Queue>, 'addBulk'> {
    return {
      addBulk: async (jobs) => {
        if (this.latencyMs > 0) {
          await sleep(this.latencyMs);
        }
        if (this.failuresLeft > 0) {
          this.failuresLeft -= 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        }
        for (const job of jobs) {
          this.received.push({ queue, name: job.name, payload: job.payload });
        }
        return jobs.map((_, index) => String(this.received.length + index));
      },
    };
  }

  userIds(): string[] {
    return this.received.map((job) => (job.payload as { userId: string }).userId);
  }
}

describe('startOutboxRelay', () => {
  const relays: OutboxRelay[] = [];

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });

  function start(...args: Parameters<typeof startOutboxRelay>): OutboxRelay {
    const relay = startOutboxRelay(...args);
    relays.push(relay);
    return relay;
  }

  it('publishes each row to its queue with the parsed payload and reports the count', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    source.insert('role-sync.member', roleSyncPayload(1));
    source.insert('notification.send', {
      inboundEventId: '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e',
      guildId: GUILD_ID,
    });
    const published: number[] = [];

    start({ source, producers: producers.producers, onPublished: (count) => published.push(count) });

    await waitFor('both rows published', () => source.count('published') === 2);
    expect(producers.received).toEqual([
      { queue: 'role-sync', name: 'role-sync.member', payload: roleSyncPayload(1) },
      {
        queue: 'notifications',
        name: 'notification.send',
        payload: { inboundEventId: '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e', guildId: GUILD_ID },
      },
    ]);
    expect(published).toEqual([2]);
  });

  it('loops without waiting while batches come back full', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    for (let index = 0; index < 250; index += 1) {
      source.insert('role-sync.member', roleSyncPayload(index));
    }

    start({ source, producers: producers.producers, batchSize: 100, idleDelayMs: 60_000 });

    await waitFor('all 250 rows published', () => source.count('published') === 250, 2_000);
    expect(source.batches).toBe(3);
  });

  it('waits for the idle delay after a partial batch, and wake() cuts the wait short', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    const relay = start({ source, producers: producers.producers, idleDelayMs: 60_000 });
    await sleep(50);

    source.insert('role-sync.member', roleSyncPayload(1));
    await sleep(100);
    expect(source.count('published')).toBe(0);

    relay.wake();
    await waitFor('the row published after wake()', () => source.count('published') === 1, 1_000);
  });

  it('honours a wake() that arrives while a batch is in flight', async () => {
    const source = new InMemoryOutboxSource(100);
    const producers = new RecordingProducers();
    source.insert('role-sync.member', roleSyncPayload(1));
    const relay = start({ source, producers: producers.producers, idleDelayMs: 60_000 });
    await sleep(30); // the first batch has claimed row 1 and is waiting out the claim latency

    source.insert('role-sync.member', roleSyncPayload(2));
    relay.wake();

    await waitFor('the row committed during the batch', () => source.count('published') === 2, 1_000);
  });

  it('backs off while publishing fails and loses no row', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    producers.failuresLeft = 3;
    for (let index = 0; index < 5; index += 1) {
      source.insert('role-sync.member', roleSyncPayload(index));
    }
    const errors: Array<{ message: string; failures: number; retryInMs: number }> = [];

    start({
      source,
      producers: producers.producers,
      maxBackoffMs: 20,
      onError: (error, failures, retryInMs) => errors.push({ message: error.message, failures, retryInMs }),
    });

    await waitFor('rows published once Redis is back', () => source.count('published') === 5, 2_000);
    expect(errors.map((error) => error.failures)).toEqual([1, 2, 3]);
    expect(errors.every((error) => error.message.includes('ECONNREFUSED'))).toBe(true);
    expect(errors.every((error) => error.retryInMs <= 20)).toBe(true);
    expect(source.publishedCounts()).toEqual([1, 1, 1, 1, 1]);
    expect(producers.userIds()).toEqual([0, 1, 2, 3, 4].map(userId));
  });

  it('dead-letters rows with an unknown job or an invalid payload without blocking the others', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    const unknown = source.insert('role-sync.everyone', roleSyncPayload(1));
    const invalid = source.insert('role-sync.member', { guildId: '42', userId: userId(2), reason: 'event' });
    source.insert('role-sync.member', roleSyncPayload(3));
    const deadLetters: Array<{ row: OutboxRow; reason: string }> = [];

    start({
      source,
      producers: producers.producers,
      onDeadLetter: (row, reason) => deadLetters.push({ row, reason }),
    });

    await waitFor('the valid row published', () => source.count('published') === 1);
    expect(source.count('dead')).toBe(2);
    expect(source.deadReason(unknown)).toBe('unknown job name "role-sync.everyone"');
    expect(source.deadReason(invalid)).toMatch(
      /^Invalid payload for job "role-sync.member": guildId: must be a Discord id/,
    );
    expect(deadLetters.map((letter) => letter.row.id)).toEqual([unknown, invalid]);
    expect(producers.userIds()).toEqual([userId(3)]);
  });

  it('stop() waits for the batch in flight to commit and runs no further batch', async () => {
    const source = new InMemoryOutboxSource();
    const producers = new RecordingProducers();
    producers.latencyMs = 150;
    for (let index = 0; index < 3; index += 1) {
      source.insert('role-sync.member', roleSyncPayload(index));
    }
    const relay = start({ source, producers: producers.producers, batchSize: 2 });
    await sleep(30);

    await relay.stop();
    expect(source.count('published')).toBe(2);
    await sleep(200);
    expect(source.count('published')).toBe(2);
    await relay.stop(); // a second stop is harmless
  });

  it('with two relays on one source publishes every row exactly once', async () => {
    const source = new InMemoryOutboxSource(2);
    const producers = new RecordingProducers();
    const total = 400;
    for (let index = 0; index < total; index += 1) {
      source.insert('role-sync.member', roleSyncPayload(index));
    }

    const publishedBy = [0, 0];
    for (const relayIndex of [0, 1]) {
      start({
        source,
        producers: producers.producers,
        batchSize: 15,
        idleDelayMs: 10,
        onPublished: (count) => (publishedBy[relayIndex]! += count),
      });
    }

    await waitFor('every row published', () => source.count('published') === total, 5_000);
    // Both relays took batches: the rows were really contended for.
    expect(publishedBy[0]).toBeGreaterThan(0);
    expect(publishedBy[1]).toBeGreaterThan(0);
    expect(source.publishedCounts().every((count) => count === 1)).toBe(true);
    const userIds = producers.userIds();
    expect(userIds).toHaveLength(total);
    expect(new Set(userIds).size).toBe(total);
  });
});
