import { afterEach, describe, expect, it } from '@jest/globals';
import { testEnv } from '@inflow/testing';
import type { Redis } from 'ioredis';
import { createRedisConnection, pingRedis } from './redis-connection';

// Nothing listens on port 1: connections are refused at once.
const UNREACHABLE_REDIS_URL = 'redis://127.0.0.1:1';
const ignoreErrors = (): void => undefined;

describe('createRedisConnection and pingRedis', () => {
  const connections: Redis[] = [];

  afterEach(() => {
    for (const connection of connections.splice(0)) {
      connection.disconnect();
    }
  });

  function connect(url: string, purpose: 'worker' | 'producer' | 'client'): Redis {
    const connection = createRedisConnection(url, {
      purpose,
      name: `queue-test-${purpose}`,
      onError: ignoreErrors,
    });
    connections.push(connection);
    return connection;
  }

  it('pings a live Redis and names the connection', async () => {
    const redis = connect(testEnv.redisUrl, 'client');
    await pingRedis(redis, 2_000);
    expect(await redis.client('GETNAME')).toBe('queue-test-client');
  });

  it.each(['worker', 'producer', 'client'] as const)(
    'rejects a readiness ping of a %s connection within its timeout while Redis is unreachable',
    async (purpose) => {
      const redis = connect(UNREACHABLE_REDIS_URL, purpose);
      const started = Date.now();
      await expect(pingRedis(redis, 300)).rejects.toThrow('not ready within 300 ms');
      expect(Date.now() - started).toBeLessThan(1_000);
    },
  );

  it.each(['producer', 'client'] as const)(
    'fails %s commands at once while Redis is unreachable',
    async (purpose) => {
      const redis = connect(UNREACHABLE_REDIS_URL, purpose);
      const started = Date.now();
      await expect(redis.set('never', 'written')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(500);
    },
  );
});
