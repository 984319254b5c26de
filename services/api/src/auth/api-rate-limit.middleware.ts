import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { withRedisTimeout } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import { problems } from '../http/problem';
import { TickBatcher } from '../http/tick-batcher';

/**
 * A fixed one-second window per API key, counted in Redis so that every api replica shares it.
 * KEYS[1] the key's counter for the current second; ARGV[1] how many requests to add. Returns the count
 * with them.
 */
const COUNT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], 2000) end
return count
`;

type CountingRedis = Redis & { inflowCountRequests: (key: string, added: number) => Promise<number> };

/**
 * Counts requests by counter key, the requests of one event-loop turn together: one script call per
 * key, all in one pipeline. Each request gets its own position in its key's count.
 */
function countInBatches(redis: CountingRedis): TickBatcher<string, number> {
  return new TickBatcher(async (counters) => {
    const added = new Map<string, number>();
    for (const counter of counters) added.set(counter, (added.get(counter) ?? 0) + 1);
    const pipeline = redis.pipeline();
    for (const [counter, n] of added) {
      // Queued on the pipeline (which it returns); the replies come from exec().
      (
        pipeline as unknown as { inflowCountRequests(key: string, added: number): unknown }
      ).inflowCountRequests(counter, n);
    }
    const replies = (await pipeline.exec()) ?? [];
    const totals = new Map<string, number>();
    [...added.keys()].forEach((counter, i) => {
      const [error, total] = replies[i] ?? [new Error('no reply'), 0];
      if (error) throw error;
      totals.set(counter, Number(total));
    });
    // The first request of a key in the batch is the first past the count before the batch.
    const next = new Map([...totals].map(([counter, total]) => [counter, total - added.get(counter)! + 1]));
    return counters.map((counter) => {
      const position = next.get(counter)!;
      next.set(counter, position + 1);
      return position;
    });
  });
}

export interface ApiRateLimitOptions {
  redis: Redis;
  keyPrefix: string;
  /** Requests per second per API key. */
  perSecond: number;
  logger: Logger;
  /** Redis answers slower than this count as down: the request goes through. */
  timeoutMs?: number;
  now?: () => number;
  onFailOpen?: () => void;
}

/**
 * Per-key rate limiting, 429 with Retry-After past the limit. It fails open: while Redis is down or slow
 * requests go through, because refusing events would lose them, and the outbox keeps them safe anyway.
 */
export function apiRateLimit(options: ApiRateLimitOptions): RequestHandler {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 100;
  // EVALSHA after the first call: the script is not sent with every request.
  const redis = options.redis as Partial<CountingRedis> & Redis;
  if (redis.inflowCountRequests === undefined)
    redis.defineCommand('inflowCountRequests', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  const counts = countInBatches(redis as CountingRedis);
  return async (_req, res, next) => {
    const apiKeyId = (res.locals as { apiKeyId?: string }).apiKeyId;
    if (apiKeyId === undefined) {
      next();
      return;
    }
    const second = Math.floor(now() / 1000);
    let count: number;
    try {
      count = await withRedisTimeout(
        counts.load(`${options.keyPrefix}:api-rate:${apiKeyId}:${second}`),
        timeoutMs,
      );
    } catch (error) {
      options.onFailOpen?.();
      options.logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      next();
      return;
    }
    if (count > options.perSecond) throw problems.tooManyRequests(1);
    next();
  };
}
