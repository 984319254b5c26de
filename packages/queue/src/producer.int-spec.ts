import { JOB_CATALOG, type JobPayload } from '@inflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, testEnv, uniqueRedisPrefix } from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { InvalidJobPayloadError } from './job-catalog-access';
import { createProducer, type Producer } from './producer';
import { createRedisConnection, waitUntilRedisReady } from './redis-connection';
import { sleep, waitFor } from './test/wait-for';
import { createWorker, type QueueWorker } from './worker';

const GUILD_ID = '1098765432109876543';
const USER_ID = '412345678901234567';
const OTHER_USER_ID = '412345678901234999';
const EVENT_ID = '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e';

type RoleSyncPayload = JobPayload<'role-sync.member'>;

describe('createProducer (real Redis)', () => {
  let producerConnection: Redis;
  let workerConnection: Redis;
  const prefixes: string[] = [];
  const closers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    producerConnection = createRedisConnection(testEnv.redisUrl, {
      purpose: 'producer',
      name: 'producer-test',
    });
    workerConnection = createRedisConnection(testEnv.redisUrl, {
      purpose: 'worker',
      name: 'producer-test-worker',
    });
    await waitUntilRedisReady(producerConnection, 5_000);
  });

  afterAll(async () => {
    for (const closer of closers.reverse()) {
      await closer.close();
    }
    await producerConnection.quit();
    await workerConnection.quit();
    for (const prefix of prefixes) {
      await deleteRedisKeys(prefix);
    }
  });

  function freshPrefix(): string {
    const prefix = uniqueRedisPrefix('producer');
    prefixes.push(prefix);
    return prefix;
  }

  function roleSyncProducer(prefix: string): Producer<'role-sync'> {
    const producer = createProducer('role-sync', { connection: producerConnection, prefix });
    closers.push(producer);
    return producer;
  }

  function inspector(queue: string, prefix: string): Queue {
    const queueForTests = new Queue(queue, { connection: producerConnection, prefix });
    closers.push(queueForTests);
    return queueForTests;
  }

  function roleSyncWorker(prefix: string, handle: (payload: RoleSyncPayload) => Promise<void>): QueueWorker {
    const worker = createWorker(
      'role-sync',
      { 'role-sync.member': handle },
      { connection: workerConnection, prefix },
    );
    closers.push(worker);
    return worker;
  }

  it('collapses a burst of role-sync.member adds for one member into one run', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);
    const reasons = ['event', 'member-join', 'link', 'offer-change', 'cleanup', 'drift'] as const;

    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        producer.add('role-sync.member', {
          guildId: GUILD_ID,
          userId: USER_ID,
          reason: reasons[index % reasons.length]!,
        }),
      ),
    );

    expect(new Set(ids).size).toBe(1);
    expect(await inspector('role-sync', prefix).getWaitingCount()).toBe(1);
    const runs: RoleSyncPayload[] = [];
    roleSyncWorker(prefix, (payload) => {
      runs.push(payload);
      return Promise.resolve();
    });
    await waitFor('the collapsed job ran', () => runs.length === 1);
    await sleep(300);
    expect(runs).toHaveLength(1);
  });

  it('runs two adds with one job id once', async () => {
    const prefix = freshPrefix();
    const producer = createProducer('notifications', { connection: producerConnection, prefix });
    closers.push(producer);
    const payload = { inboundEventId: EVENT_ID, guildId: GUILD_ID };

    const first = await producer.add('notification.send', payload);
    const second = await producer.add('notification.send', payload);

    expect(second).toBe(first);
    const runs: string[] = [];
    const worker = createWorker(
      'notifications',
      {
        'notification.send': (_payload, context) => {
          runs.push(context.jobId);
          return Promise.resolve();
        },
        'notification.alert': () => Promise.reject(new Error('no alert job in this test')),
      },
      { connection: workerConnection, prefix },
    );
    closers.push(worker);
    await waitFor('the job ran', () => runs.length === 1);
    await sleep(300);
    expect(runs).toEqual([first]);
  });

  it('turns adds made while the job runs into exactly one more run with the newest payload', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);
    const runs: RoleSyncPayload[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    roleSyncWorker(prefix, async (payload) => {
      runs.push(payload);
      if (runs.length === 1) {
        await released;
      }
    });

    await producer.add('role-sync.member', { guildId: GUILD_ID, userId: USER_ID, reason: 'event' });
    await waitFor('the first run started', () => runs.length === 1);
    for (const reason of ['link', 'unlink', 'manual'] as const) {
      await producer.add('role-sync.member', { guildId: GUILD_ID, userId: USER_ID, reason });
    }
    release();

    await waitFor('the follow-up run', () => runs.length === 2);
    await sleep(300);
    expect(runs.map((run) => run.reason)).toEqual(['event', 'manual']);
  });

  it('tells whether the job a request collapses into is still queued, until it has run', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);
    const queued = {
      name: 'role-sync.member',
      payload: { guildId: GUILD_ID, userId: USER_ID, reason: 'event' },
    } as const;
    const other = {
      name: 'role-sync.member',
      payload: { guildId: GUILD_ID, userId: OTHER_USER_ID, reason: 'event' },
    } as const;

    await producer.add(queued.name, queued.payload);

    expect(await producer.isQueued(queued)).toBe(true);
    // The collapse id leaves the reason out: another reason for the same member is the same job.
    expect(await producer.isQueued({ ...queued, payload: { ...queued.payload, reason: 'drift' } })).toBe(
      true,
    );
    expect(await producer.isQueued(other)).toBe(false);
    const ran: string[] = [];
    roleSyncWorker(prefix, (payload) => {
      ran.push(payload.userId);
      return Promise.resolve();
    });
    await waitFor('the job ran', () => ran.length === 1);
    await waitFor('no longer queued', async () => !(await producer.isQueued(queued)));
  });

  it('enqueues with the catalog retry policy and bounded retention', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);

    const id = await producer.add('role-sync.member', {
      guildId: GUILD_ID,
      userId: USER_ID,
      reason: 'drift',
    });

    const job = await inspector('role-sync', prefix).getJob(id);
    expect(job?.opts.attempts).toBe(JOB_CATALOG['role-sync.member'].retry.attempts);
    expect(job?.opts.backoff).toEqual(JOB_CATALOG['role-sync.member'].retry.backoff);
    expect(job?.opts.removeOnComplete).toEqual({ age: 3_600, count: 1_000 });
    expect(job?.opts.removeOnFail).toEqual({ age: 604_800, count: 10_000 });
    expect(job?.data).toEqual({ guildId: GUILD_ID, userId: USER_ID, reason: 'drift' });
  });

  it('delays a job on request', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);

    const id = await producer.add(
      'role-sync.member',
      { guildId: GUILD_ID, userId: USER_ID, reason: 'cleanup' },
      { delayMs: 60_000 },
    );

    expect(await inspector('role-sync', prefix).getJobState(id)).toBe('delayed');
  });

  it('adds in bulk, collapsing within the bulk too', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);

    const ids = await producer.addBulk([
      { name: 'role-sync.member', payload: { guildId: GUILD_ID, userId: USER_ID, reason: 'event' } },
      { name: 'role-sync.member', payload: { guildId: GUILD_ID, userId: OTHER_USER_ID, reason: 'event' } },
      { name: 'role-sync.member', payload: { guildId: GUILD_ID, userId: USER_ID, reason: 'link' } },
    ]);

    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(await inspector('role-sync', prefix).getWaitingCount()).toBe(2);
    expect(await producer.addBulk([])).toEqual([]);
  });

  it('rejects an invalid payload or a foreign job before writing anything', async () => {
    const prefix = freshPrefix();
    const producer = roleSyncProducer(prefix);
    const invalid = { guildId: GUILD_ID, userId: '7', reason: 'event' } as RoleSyncPayload;

    await expect(producer.add('role-sync.member', invalid)).rejects.toThrow(InvalidJobPayloadError);
    await expect(
      producer.addBulk([
        { name: 'role-sync.member', payload: { guildId: GUILD_ID, userId: USER_ID, reason: 'event' } },
        { name: 'role-sync.member', payload: invalid },
      ]),
    ).rejects.toThrow(InvalidJobPayloadError);
    // A caller that bypasses the types still cannot put a job on the wrong queue.
    const untyped = producer as unknown as Producer<'cleanup'>;
    await expect(untyped.add('cleanup.sweep', {})).rejects.toThrow(
      'Job "cleanup.sweep" does not belong to queue "role-sync"',
    );

    // Only the queue's meta hash, written when the producer was created; no job.
    expect(await producerConnection.keys(`${prefix}:*`)).toEqual([`${prefix}:role-sync:meta`]);
  });

  it('fails fast instead of hanging while Redis is unreachable, and refuses adds after close', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1', {
      purpose: 'producer',
      name: 'down',
      onError: () => undefined,
    });
    const producer = createProducer('role-sync', {
      connection: down,
      prefix: freshPrefix(),
      onError: () => undefined,
    });
    const started = Date.now();

    await expect(
      producer.add('role-sync.member', { guildId: GUILD_ID, userId: USER_ID, reason: 'event' }),
    ).rejects.toThrow();

    expect(Date.now() - started).toBeLessThan(1_000);
    await producer.close();
    await producer.close();
    await expect(
      producer.add('role-sync.member', { guildId: GUILD_ID, userId: USER_ID, reason: 'event' }),
    ).rejects.toThrow('Producer of queue "role-sync" is closed');
    down.disconnect();
  });
});
