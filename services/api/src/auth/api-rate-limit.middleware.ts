import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '@inflow/service-runtime';
import { problems } from '../http/problem';

/**
 * A fixed one-second window per API key, counted in Redis so that every api replica shares it.
 * KEYS[1] the key's counter for the current second; ARGV[1] the limit. Returns the count so far.
 */
const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return count
`;

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
  const redis = options.redis as Redis & { inflowCountRequest?: (key: string) => Promise<number> };
  if (redis.inflowCountRequest === undefined)
    redis.defineCommand('inflowCountRequest', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  return async (_req, res, next) => {
    const apiKeyId = (res.locals as { apiKeyId?: string }).apiKeyId;
    if (apiKeyId === undefined) {
      next();
      return;
    }
    const second = Math.floor(now() / 1000);
    let count: number;
    try {
      count = await withTimeout(
        options.redis.eval(
          COUNT_SCRIPT,
          1,
          `${options.keyPrefix}:api-rate:${apiKeyId}:${second}`,
        ) as Promise<number>,
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

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
