import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { withRedisTimeout } from './redis-timeout';
import { SlidingWindowLimiter } from './sliding-window-limiter';

/**
 * A sliding-window log in one sorted set, admitted atomically. Time comes from Redis (TIME), so the
 * processes' clocks do not need to agree. Members are unique per admission; the set holds at most
 * `limit` entries and expires when idle. Besides the window's `limit`, at most `burst` admissions fall in
 * any `burstWindow` ms, so that the window's slots are spread rather than taken all at once.
 *
 * KEYS[1] the window's sorted set; ARGV[1] limit; ARGV[2] window in ms; ARGV[3] unique member;
 * ARGV[4] burst; ARGV[5] burst window in ms.
 * Returns {wait, now}: wait is 0 when admitted, else the milliseconds until an admission leaves the
 * window (or the burst window) that is full; now is Redis's clock in ms.
 */
const SLIDING_WINDOW_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local burst = tonumber(ARGV[4])
local burstWindow = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {math.max(1, tonumber(oldest[2]) + window - now), now}
end
if redis.call('ZCOUNT', KEYS[1], '(' .. (now - burstWindow), '+inf') >= burst then
  local leaving = redis.call('ZREVRANGE', KEYS[1], burst - 1, burst - 1, 'WITHSCORES')
  return {math.max(1, tonumber(leaving[2]) + burstWindow - now), now}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {0, now}
`;
const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

/**
 * Moves an admission to now, for a process about to use it later than it was admitted, so that the log
 * says when the request is really sent. Only while the admission is still in the window: every admission
 * since it was made counted it, so the window ending now holds at most `limit` entries with it moved.
 *
 * KEYS[1] the window's sorted set; ARGV[1] window in ms; ARGV[2] the admission's member.
 * Returns {moved, now}: moved is 1 when the admission was moved, 0 when it has left the window.
 */
const RESTAMP_SCRIPT = `
local window = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) > now - window then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, now}
end
return {0, now}
`;
const RESTAMP_SHA = createHash('sha1').update(RESTAMP_SCRIPT).digest('hex');

export interface DiscordRateLimiterOptions {
  /** A `client` connection (fails fast), so that an unreachable Redis switches to the fallback at once. */
  redis: Redis;
  /** The sorted set's key, one per bot token, e.g. `inflow:discord:global:<application id>`. */
  key: string;
  /** Requests per second allowed for the token across every process (`DISCORD_GLOBAL_RATE_LIMIT`). */
  perSecond: number;
  /**
   * Added to the 1-second window, so that scheduling and network lag between admission and the request
   * reaching Discord does not squeeze `perSecond + 1` requests into Discord's second. Default 50 ms
   * (costs 5 % of throughput): lags of tens of ms were measured on a busy 2-core machine.
   */
  safetyMarginMs?: number;
  /**
   * An admission this process reads later than this (measured against the fastest recent reply, so the
   * clocks of Redis and this process need not agree) is moved to the time it is used, in one more round
   * trip, before the request goes: a busy event loop that sat on the reply would otherwise send the
   * request late, next to the requests admitted after it, and squeeze more than `perSecond` into one of
   * Discord's seconds. When the move is read late too (up to {@link RESTAMP_ATTEMPTS} times), or the
   * admission has left the window, the slot is given up and another taken. Default 15 ms: the rest of
   * `safetyMarginMs` is for what follows (the request's send and its way to Discord), and with moves a
   * tight bound costs a round trip, not a slot (at 30 ms, four workers on a busy 2-core machine drew
   * global 429s).
   */
  lateAdmissionMs?: number;
  /**
   * Admissions allowed back to back. Beyond it they are paced at up to {@link BURST_RATE_FACTOR} times the
   * average rate, so that a window's slots do not all go at once: a process that holds its requests back
   * on their way to Discord (a busy event loop, a slow connection) then bunches them with at most this
   * many others in Discord's second, not with a whole batch (a worker's 20 jobs admitted together, held
   * back 95–128 ms, put 62–65 requests into one second on a busy 2-core machine). Default 5.
   */
  burst?: number;
  /** Called for each admission given up as late, with how late it was read. */
  onLateAdmission?: (lateMs: number) => void;
  /** Where `discord_limiter_late_admissions_total` is registered (one limiter per registry), when given. */
  registry?: Registry;
  /**
   * While Redis is unreachable each process admits `perSecond / assumedProcessCount` per second on its
   * own (at least 1): Discord traffic slows down instead of stopping, and the processes together stay
   * under the limit as long as no more than this many are running. Default 4.
   */
  assumedProcessCount?: number;
  /** How long one Redis round trip may take before the fallback is used for this call. Default 250 ms. */
  redisTimeoutMs?: number;
  /** After a Redis failure, how long to use the fallback before trying Redis again. Default 1 s. */
  fallbackRecheckMs?: number;
  /** Called when the limiter switches to its local fallback. */
  onFallback?: (error: Error) => void;
  /** Called when Redis answers again after a fallback. */
  onRecovered?: () => void;
  /** Clock for the fallback; injectable for tests. */
  now?: () => number;
}

/** A rate limiter shared by every process that uses one bot token. */
export interface DiscordRateLimiter {
  /**
   * Resolves when a request may be sent, waiting as long as needed, with the admission time (ms since
   * the epoch, Redis's clock; the local clock in fallback). One Redis round trip when not saturated.
   */
  acquire(): Promise<number>;
  /** Takes a slot and returns 0, or returns the milliseconds until one frees without taking it. */
  tryAcquire(): Promise<number>;
}

const WINDOW_MS = 1_000;

/**
 * How much faster than the average (`perSecond` per window) admissions may come beyond the burst: room
 * to catch up after a slot was taken late, while the window still caps the second.
 */
export const BURST_RATE_FACTOR = 1.25;

interface Attempt {
  waitMs: number;
  at: number;
  /** How much later than the fastest recent reply this one was read; 0 in fallback. */
  lateMs: number;
  /** The admission's member in the sorted set; undefined in fallback. */
  member?: string;
}

/** How many times in a row a late admission is moved before it is given up. */
export const RESTAMP_ATTEMPTS = 3;

/** Replies remembered to find the fastest (the clock offset plus the round trip at its best). */
const REPLY_SAMPLES = 64;

export function createDiscordRateLimiter(options: DiscordRateLimiterOptions): DiscordRateLimiter {
  const { redis, key, perSecond } = options;
  if (!Number.isInteger(perSecond) || perSecond < 1) {
    throw new RangeError(`perSecond must be an integer >= 1, got ${perSecond}`);
  }
  const windowMs = WINDOW_MS + (options.safetyMarginMs ?? 50);
  const burst = options.burst ?? 5;
  if (!Number.isInteger(burst) || burst < 1)
    throw new RangeError(`burst must be an integer >= 1, got ${burst}`);
  const burstWindowMs = Math.floor((burst * windowMs) / perSecond / BURST_RATE_FACTOR);
  const redisTimeoutMs = options.redisTimeoutMs ?? 250;
  const fallbackRecheckMs = options.fallbackRecheckMs ?? 1_000;
  const now = options.now ?? Date.now;
  const fallbackPerSecond = Math.max(1, Math.floor(perSecond / (options.assumedProcessCount ?? 4)));
  const fallback = new SlidingWindowLimiter(fallbackPerSecond, windowMs, now);
  const instanceId = randomUUID();
  let calls = 0;
  let fallbackUntil = 0;
  let inFallback = false;
  const lateAdmissionMs = options.lateAdmissionMs ?? 15;
  const lateAdmissions =
    options.registry === undefined
      ? undefined
      : new Counter({
          name: 'discord_limiter_late_admissions_total',
          help: 'Global-limit slots given up because this process read their admission, and the moves to keep it, late (a busy event loop)',
          registers: [options.registry],
        });
  const replyOffsets: number[] = [];
  /** How late a reply stamped `redisNow` by Redis is read now, against the fastest of the recent ones. */
  function lateness(redisNow: number): number {
    const offset = now() - redisNow;
    replyOffsets.push(offset);
    if (replyOffsets.length > REPLY_SAMPLES) replyOffsets.shift();
    return Math.max(0, offset - Math.min(...replyOffsets));
  }

  /** Runs one of the scripts; both answer {number, Redis's now}. */
  async function run(
    script: string,
    sha: string,
    args: ReadonlyArray<string | number>,
  ): Promise<[number, number]> {
    let reply: unknown;
    try {
      reply = await redis.evalsha(sha, 1, key, ...args);
    } catch (error) {
      // The first call on each Redis (and any call after SCRIPT FLUSH) loads the script.
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) {
        throw error;
      }
      reply = await redis.eval(script, 1, key, ...args);
    }
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new Error(`Unexpected rate limiter reply: ${JSON.stringify(reply)}`);
    }
    return [Number(reply[0]), Number(reply[1])];
  }

  async function evaluate(): Promise<Attempt> {
    calls += 1;
    const member = `${instanceId}:${calls}`;
    const [waitMs, at] = await run(SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SHA, [
      perSecond,
      windowMs,
      member,
      burst,
      burstWindowMs,
    ]);
    return { waitMs, at, lateMs: lateness(at), member };
  }

  /** Moves a late admission to now; the move's own reply may be late too. Undefined when it left the window. */
  async function restamp(member: string): Promise<Pick<Attempt, 'at' | 'lateMs'> | undefined> {
    const [moved, at] = await withRedisTimeout(
      run(RESTAMP_SCRIPT, RESTAMP_SHA, [windowMs, member]),
      redisTimeoutMs,
    );
    return moved === 1 ? { at, lateMs: lateness(at) } : undefined;
  }

  /**
   * Makes a late admission usable by moving it to now, as many times as allowed; its new time, or undefined
   * when it could not be (left the window, read late every time, or Redis failed: the slot stays spent).
   */
  async function keepLate(member: string): Promise<number | undefined> {
    for (let tries = 0; tries < RESTAMP_ATTEMPTS; tries += 1) {
      const moved = await restamp(member).catch(() => undefined);
      if (moved === undefined) return undefined;
      if (moved.lateMs <= lateAdmissionMs) return moved.at;
    }
    return undefined;
  }

  function fallbackAttempt(): Attempt {
    return { waitMs: fallback.tryAcquire(), at: now(), lateMs: 0 };
  }

  async function attempt(): Promise<Attempt> {
    if (inFallback && now() < fallbackUntil) {
      return fallbackAttempt();
    }
    try {
      const result = await withRedisTimeout(evaluate(), redisTimeoutMs);
      if (inFallback) {
        inFallback = false;
        options.onRecovered?.();
      }
      return result;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(`Non-Error thrown: ${String(thrown)}`);
      fallbackUntil = now() + fallbackRecheckMs;
      if (!inFallback) {
        inFallback = true;
        options.onFallback?.(error);
      }
      return fallbackAttempt();
    }
  }

  return {
    async tryAcquire() {
      return (await attempt()).waitMs;
    },
    async acquire() {
      for (;;) {
        const admission = await attempt();
        if (admission.waitMs > 0) {
          await delay(admission.waitMs);
        } else if (admission.lateMs <= lateAdmissionMs) {
          return admission.at;
        } else {
          const keptAt = admission.member === undefined ? undefined : await keepLate(admission.member);
          if (keptAt !== undefined) return keptAt;
          lateAdmissions?.inc();
          options.onLateAdmission?.(admission.lateMs);
        }
      }
    },
  };
}
