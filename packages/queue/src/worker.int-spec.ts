import { type JobPayload } from '@inflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, testEnv, uniqueRedisPrefix } from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { PermanentJobError, RateLimitedJobError } from './job-errors';
import { createProducer, type Producer } from './producer';
import { createRedisConnection, waitUntilRedisReady } from './redis-connection';
import { exited, forkTypeScript, nextMessage } from './test/fork-typescript';
import { sleep, waitFor } from './test/wait-for';
import {
  createWorker,
  type CompletedOutcome,
  type FailedOutcome,
  type JobContext,
  type JobHandler,
  type QueueWorker,
  type WorkerOptions,
} from './worker';

const GUILD_ID = '1098765432109876543';
const USER_ID = '412345678901234567';
const PAYLOAD: JobPayload<'role-sync.member'> = { guildId: GUILD_ID, userId: USER_ID, reason: 'event' };

interface Run {
  at: number;
  context: JobContext<'role-sync.member'>;
}

describe('createWorker (real Redis)', () => {
  let producerConnection: Redis;
  let workerConnection: Redis;
  const prefixes: string[] = [];
  const closers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    producerConnection = createRedisConnection(testEnv.redisUrl, {
      purpose: 'producer',
      name: 'worker-test',
    });
    workerConnection = createRedisConnection(testEnv.redisUrl, {
      purpose: 'worker',
      name: 'worker-test-worker',
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

  /** A fresh prefix with a producer, an inspecting queue and a worker whose outcomes are recorded. */
  function setUp(handle: JobHandler<'role-sync.member'>, options: Partial<WorkerOptions> = {}) {
    const prefix = uniqueRedisPrefix('worker');
    prefixes.push(prefix);
    const producer: Producer<'role-sync'> = createProducer('role-sync', {
      connection: producerConnection,
      prefix,
    });
    const queue = new Queue('role-sync', { connection: producerConnection, prefix });
    const outcomes: Array<CompletedOutcome | FailedOutcome> = [];
    const runs: Run[] = [];
    const worker: QueueWorker = createWorker(
      'role-sync',
      {
        'role-sync.member': (payload, context) => {
          runs.push({ at: Date.now(), context });
          return handle(payload, context);
        },
      },
      {
        connection: workerConnection,
        prefix,
        onCompleted: (_name, outcome) => outcomes.push(outcome),
        onFailed: (_name, outcome) => outcomes.push(outcome),
        ...options,
      },
    );
    closers.push(producer, queue, worker);
    return { prefix, producer, queue, worker, outcomes, runs };
  }

  it('hands the parsed payload and its context to the handler and completes', async () => {
    const received: Array<JobPayload<'role-sync.member'>> = [];
    const { producer, queue, outcomes, runs } = setUp((payload) => {
      received.push(payload);
      return Promise.resolve();
    });

    const id = await producer.add('role-sync.member', PAYLOAD);

    await waitFor('completed', async () => (await queue.getJobState(id)) === 'completed');
    expect(received).toEqual([PAYLOAD]);
    expect(runs[0]?.context).toMatchObject({
      queue: 'role-sync',
      name: 'role-sync.member',
      jobId: id,
      attempt: 1,
      maxAttempts: 8,
      logFields: { queue: 'role-sync', job: 'role-sync.member', jobId: id, attempt: 1 },
    });
    expect((await queue.getJob(id))?.returnvalue).toEqual({ status: 'done' });
    expect(outcomes).toEqual(['done']);
  });

  it('fails a payload that breaks its schema once, without retries', async () => {
    const { queue, outcomes, runs } = setUp(() => Promise.resolve());

    // Written around the producer, as an old producer or a bug would.
    const job = await queue.add(
      'role-sync.member',
      { guildId: GUILD_ID, userId: 'not-an-id' },
      { attempts: 5 },
    );

    await waitFor('failed', async () => (await queue.getJobState(job.id!)) === 'failed');
    const failed = await queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(
      /^InvalidJobPayloadError: Invalid payload for job "role-sync.member"/,
    );
    expect(runs).toEqual([]);
    expect(outcomes).toEqual(['invalid-payload']);
  });

  it('fails a job name the queue does not know without retries', async () => {
    const { queue, outcomes } = setUp(() => Promise.resolve());

    const job = await queue.add('notification.send', {}, { attempts: 5 });

    await waitFor('failed', async () => (await queue.getJobState(job.id!)) === 'failed');
    expect((await queue.getJob(job.id!))?.attemptsMade).toBe(1);
    expect(outcomes).toEqual(['invalid-payload']);
  });

  it('retries an ordinary error per the catalog policy', async () => {
    const { producer, queue, outcomes, runs } = setUp(() =>
      runs.length === 1 ? Promise.reject(new Error('503 Service Unavailable')) : Promise.resolve(),
    );

    const id = await producer.add('role-sync.member', PAYLOAD);

    await waitFor(
      'completed after a retry',
      async () => (await queue.getJobState(id)) === 'completed',
      10_000,
    );
    expect(runs.map((run) => run.context.attempt)).toEqual([1, 2]);
    // Exponential from 2 s with 50 % jitter: the first retry waits 1 to 2 s (plus slack for a busy CI).
    const gap = runs[1]!.at - runs[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(4_000);
    expect((await queue.getJob(id))?.attemptsMade).toBe(2);
    expect(outcomes).toEqual(['retry', 'done']);
  }, 15_000);

  it('fails a PermanentJobError at once', async () => {
    const { producer, queue, outcomes, runs } = setUp(() =>
      Promise.reject(new PermanentJobError('Discord 10011 unknown role: the offer names a deleted role')),
    );

    const id = await producer.add('role-sync.member', PAYLOAD);

    await waitFor('failed', async () => (await queue.getJobState(id)) === 'failed');
    const failed = await queue.getJob(id);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toBe(
      'PermanentJobError: Discord 10011 unknown role: the offer names a deleted role',
    );
    expect(runs).toHaveLength(1);
    expect(outcomes).toEqual(['permanent']);
  });

  it('puts a rate-limited job back without spending an attempt, after the wait', async () => {
    const { producer, queue, outcomes, runs } = setUp(() =>
      runs.length === 1 ? Promise.reject(new RateLimitedJobError(400)) : Promise.resolve(),
    );

    const id = await producer.add('role-sync.member', PAYLOAD);

    await waitFor(
      'completed after the rate limit',
      async () => (await queue.getJobState(id)) === 'completed',
    );
    expect(runs.map((run) => run.context.attempt)).toEqual([1, 1]);
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(350);
    // One attempt in all: the completed run. The rate-limited one was not counted.
    expect((await queue.getJob(id))?.attemptsMade).toBe(1);
    expect(outcomes).toEqual(['rate-limited', 'done']);
  });

  it('completes a skipped job with its reason', async () => {
    const { producer, queue, outcomes } = setUp(() =>
      Promise.resolve({ status: 'skipped', reason: 'member-not-linked' }),
    );

    const id = await producer.add('role-sync.member', PAYLOAD);

    await waitFor('completed', async () => (await queue.getJobState(id)) === 'completed');
    expect((await queue.getJob(id))?.returnvalue).toEqual({ status: 'skipped', reason: 'member-not-linked' });
    expect(outcomes).toEqual(['skipped']);
  });

  it('lets the active job finish on close, and close can be called twice', async () => {
    let finished = false;
    const { producer, queue, worker, runs } = setUp(async () => {
      await sleep(300);
      finished = true;
    });
    const id = await producer.add('role-sync.member', PAYLOAD);
    await waitFor('the job started', () => runs.length === 1);

    await Promise.all([worker.close(), worker.close()]);

    expect(finished).toBe(true);
    expect(await queue.getJobState(id)).toBe('completed');
    await worker.close();
  });

  it('has a job whose worker was killed mid-job completed by another worker', async () => {
    const prefix = uniqueRedisPrefix('worker-stall');
    prefixes.push(prefix);
    const producer = createProducer('role-sync', { connection: producerConnection, prefix });
    const queue = new Queue('role-sync', { connection: producerConnection, prefix });
    closers.push(producer, queue);
    const child = forkTypeScript(join(__dirname, 'test', 'children', 'stalling-worker.child.ts'), {
      REDIS_URL: testEnv.redisUrl,
      QUEUE_PREFIX: prefix,
      LOCK_DURATION_MS: '1000',
      STALLED_INTERVAL_MS: '300',
    });
    try {
      await nextMessage(child, (message): message is { type: 'ready' } => isMessage(message, 'ready'));
      const id = await producer.add('role-sync.member', PAYLOAD);
      const started = await nextMessage(child, (message): message is { type: 'started'; jobId: string } =>
        isMessage(message, 'started'),
      );
      expect(started.jobId).toBe(id);

      child.kill('SIGKILL');
      await exited(child);
      const takenOverAt = Date.now();
      const rescued: string[] = [];
      const rescuer = createWorker(
        'role-sync',
        {
          'role-sync.member': (_payload, context) => {
            rescued.push(context.jobId);
            return Promise.resolve();
          },
        },
        { connection: workerConnection, prefix, lockDuration: 1_000, stalledInterval: 300 },
      );
      closers.push(rescuer);

      await waitFor(
        'completed by the second worker',
        async () => (await queue.getJobState(id)) === 'completed',
        8_000,
      );
      expect(rescued).toEqual([id]);
      // A stall is not a failed attempt; the job was just moved back to wait.
      const job = await queue.getJob(id);
      expect(job?.attemptsMade).toBe(1);
      expect(job?.stalledCounter).toBe(1);
      expect(Date.now() - takenOverAt).toBeLessThan(8_000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 20_000);
});

function isMessage(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
