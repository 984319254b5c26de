import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, maxInWindow, testEnv, uniqueRedisPrefix } from '@inflow/testing';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { join } from 'node:path';
import { createDiscordRateLimiter, RESTAMP_ATTEMPTS } from './discord-rate-limiter';
import { createRedisConnection, waitUntilRedisReady } from './redis-connection';
import { exited, forkTypeScript, nextMessage } from './test/fork-typescript';

const CHILD = join(__dirname, 'test', 'children', 'rate-limited-client.child.ts');

describe('createDiscordRateLimiter (real Redis)', () => {
  let redis: Redis;
  const prefix = uniqueRedisPrefix('discord-limiter');

  beforeAll(async () => {
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'client', name: 'limiter-test' });
    await waitUntilRedisReady(redis, 5_000);
  });

  afterAll(async () => {
    await redis.quit();
    await deleteRedisKeys(prefix);
  });

  it('admits perSecond requests, then says how long to wait, without taking a slot', async () => {
    const key = `${prefix}:try`;
    const limiter = createDiscordRateLimiter({ redis, key, perSecond: 3 });

    const first = [await limiter.tryAcquire(), await limiter.tryAcquire(), await limiter.tryAcquire()];
    const waits = [await limiter.tryAcquire(), await limiter.tryAcquire()];

    expect(first).toEqual([0, 0, 0]);
    for (const wait of waits) {
      expect(wait).toBeGreaterThan(900);
      expect(wait).toBeLessThanOrEqual(1_050);
    }
    expect(await redis.zcard(key)).toBe(3);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('makes acquire wait for the next free slot', async () => {
    const limiter = createDiscordRateLimiter({
      redis,
      key: `${prefix}:acquire`,
      perSecond: 2,
      safetyMarginMs: 0,
    });
    const started = Date.now();

    await Promise.all([limiter.acquire(), limiter.acquire()]);
    const burst = Date.now() - started;
    await limiter.acquire();
    const third = Date.now() - started;

    expect(burst).toBeLessThan(200);
    expect(third).toBeGreaterThanOrEqual(950);
    expect(third).toBeLessThan(2_000);
  });

  it("spreads a window's slots: beyond the burst, admissions are paced instead of given all at once", async () => {
    const key = `${prefix}:burst`;
    // 50 per 1,050 ms; 5 back to back, then at most 1.25 times the average rate: 5 in any 84 ms. Late reads
    // are not moved here: a loaded machine would move some, which is the subject of the tests below.
    const limiter = createDiscordRateLimiter({
      redis,
      key,
      perSecond: 50,
      burst: 5,
      lateAdmissionMs: 60_000,
    });

    const admittedAt: number[] = [];
    for (let i = 0; i < 20; i += 1) admittedAt.push(await limiter.acquire());

    expect(maxInWindow(admittedAt, 84)).toBeLessThanOrEqual(5);
    // Twenty admissions, at most five in any 84 ms: three burst windows at least from the first to the last
    // (without pacing, all twenty go in a few round trips).
    expect(admittedAt.at(-1)! - admittedAt[0]!).toBeGreaterThanOrEqual(3 * 84);
  });

  /** A limiter whose process reads the Redis replies later by `readDelays` ms, one per reply, in order. */
  function readingLate(key: string, readDelays: number[], registry?: Registry) {
    const late: number[] = [];
    const limiter = createDiscordRateLimiter({
      redis,
      key,
      perSecond: 100,
      now: () => Date.now() + (readDelays.shift() ?? 0),
      onLateAdmission: (lateMs) => late.push(lateMs),
      ...(registry === undefined ? {} : { registry }),
    });
    return { limiter, late };
  }

  it('moves an admission read late (a blocked event loop) to the time it is used, wasting no slot', async () => {
    const key = `${prefix}:late`;
    // The fourth reply is read 100 ms later than the others; the move that follows is read on time.
    const { limiter, late } = readingLate(key, [0, 0, 0, 100]);

    const admitted: number[] = [];
    for (let i = 0; i < 4; i += 1) admitted.push(await limiter.acquire());

    expect(late).toEqual([]);
    const log = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    const scores = log.filter((_, i) => i % 2 === 1).map(Number);
    // Four requests, four entries: the late one's entry now says when it was used (what acquire returned).
    expect(scores).toHaveLength(4);
    expect(scores.at(-1)).toBe(admitted[3]);
  });

  it('gives up an admission whose moves are read late too, and takes another; the late slot stays spent', async () => {
    const key = `${prefix}:late-again`;
    // The second reply is late, and so are the replies of the moves that try to keep it.
    const registry = new Registry();
    const { limiter, late } = readingLate(
      key,
      [0, 100, ...Array<number>(RESTAMP_ATTEMPTS).fill(100)],
      registry,
    );

    await limiter.acquire();
    await limiter.acquire();

    expect(late).toHaveLength(1);
    expect(late[0]).toBeGreaterThanOrEqual(90);
    expect(await redis.zcard(key)).toBe(3);
    expect((await registry.getSingleMetric('discord_limiter_late_admissions_total')?.get())?.values).toEqual([
      { value: 1, labels: {} },
    ]);
  });

  it('falls back to a conservative local limit while Redis is unreachable', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1', {
      purpose: 'client',
      name: 'down',
      onError: () => undefined,
    });
    const fallbacks: string[] = [];
    const limiter = createDiscordRateLimiter({
      redis: down,
      key: `${prefix}:down`,
      perSecond: 8,
      assumedProcessCount: 4,
      onFallback: (error) => fallbacks.push(error.message),
    });
    const started = Date.now();

    const admissions = [await limiter.tryAcquire(), await limiter.tryAcquire(), await limiter.tryAcquire()];
    await limiter.acquire();

    // 8 per second over an assumed 4 processes: 2 per second here, and traffic continues.
    expect(admissions.slice(0, 2)).toEqual([0, 0]);
    expect(admissions[2]).toBeGreaterThan(900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fallbacks).toHaveLength(1);
    down.disconnect();
  });

  it('keeps four processes together within perSecond in every 1-second window, near the limit', async () => {
    const perSecond = 50;
    const durationMs = 3_000;
    const startAt = Date.now() + 1_500; // time for the children to start and connect
    const children = Array.from({ length: 4 }, () =>
      forkTypeScript(CHILD, {
        REDIS_URL: testEnv.redisUrl,
        LIMITER_KEY: `${prefix}:shared`,
        PER_SECOND: String(perSecond),
        START_AT: String(startAt),
        DURATION_MS: String(durationMs),
        CONCURRENCY: '3',
      }),
    );
    const fallbacks: unknown[] = [];
    for (const child of children) {
      child.on('message', (message) => {
        if ((message as { type?: unknown }).type === 'fallback') fallbacks.push(message);
      });
    }

    try {
      const results = await Promise.all(
        children.map((child) =>
          nextMessage(
            child,
            (message): message is { type: 'done'; admittedAt: number[] } =>
              typeof message === 'object' &&
              message !== null &&
              (message as { type?: unknown }).type === 'done',
          ),
        ),
      );
      const admittedAt = results.flatMap((result) => result.admittedAt);

      expect(fallbacks).toEqual([]);
      expect(results.every((result) => result.admittedAt.length > 0)).toBe(true);
      // Judged on the admission times (Redis's clock) each process recorded: the limiter's guarantee.
      // The times the processes went on to "send" trail them by scheduling lag, which the limiter's
      // safety margin absorbs in normal operation; on this 2-core machine under a parallel test run
      // that lag was seen above 60 ms, so asserting on it would test the CPU scheduler, not the limiter.
      expect(maxInWindow(admittedAt, 1_000)).toBeLessThanOrEqual(perSecond);
      const withinRun = admittedAt.filter((time) => time >= startAt && time < startAt + durationMs).length;
      expect(withinRun).toBeGreaterThanOrEqual(0.9 * perSecond * (durationMs / 1_000));
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((child) => exited(child)));
    }
  }, 20_000);
});
