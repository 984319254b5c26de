import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnv } from './test-env';

/**
 * A key prefix no other test uses. Queues and limiters under test take it as their prefix; the
 * cleanup deletes every key under it. The suffix is random and of fixed length: a per-module counter
 * restarts with each test file (Jest loads modules afresh per file), and `…:1` would also match `…:10`.
 */
export function uniqueRedisPrefix(label: string): string {
  const run = process.env.INFLOW_TEST_RUN_ID ?? 'adhoc';
  return `test:${run}:${testEnv.workerId}:${process.pid}:${label}:${randomBytes(4).toString('hex')}`;
}

/** Deletes every key that starts with `prefix`. */
export async function deleteRedisKeys(prefix: string, redisUrl = testEnv.redisUrl): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
