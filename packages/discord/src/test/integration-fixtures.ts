import { testEnv } from '@inflow/testing';
import { createDiscordRateLimiter, createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import { type GlobalRateLimiter } from '../rest/discord-transport';

export type TestRedis = ReturnType<typeof createRedisConnection>;

/** A fail-fast Redis client for the shared limiter, ready to use. */
export async function connectRedis(name: string): Promise<TestRedis> {
  const redis = createRedisConnection(testEnv.redisUrl, { purpose: 'client', name });
  await waitUntilRedisReady(redis, 5_000);
  return redis;
}

/** The real shared limiter (DISCORD_GLOBAL_RATE_LIMIT), counting how many slots were taken. */
export function countingLimiter(
  redis: TestRedis,
  key: string,
  perSecond = 50,
): GlobalRateLimiter & { readonly acquired: number } {
  const limiter = createDiscordRateLimiter({ redis, key, perSecond });
  let acquired = 0;
  return {
    get acquired() {
      return acquired;
    },
    acquire: async () => {
      acquired += 1;
      return limiter.acquire();
    },
  };
}

/**
 * Opens an authorize URL as a browser that has already clicked "Authorize" (the emulator consents as its
 * authorizing user) and returns where Discord redirected it.
 */
export async function followAuthorize(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) {
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  }
  return new URL(location);
}

/** Resolves with what the promise rejected with; fails if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
}
