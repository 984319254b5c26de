import { describe, expect, it } from '@jest/globals';
import { reconnectDelayMs, redisOptionsFor } from './redis-connection';

describe('redisOptionsFor', () => {
  it('lets worker commands wait for a reconnect, as BullMQ requires', () => {
    const options = redisOptionsFor({ purpose: 'worker', name: 'role-sync-worker' });
    expect(options.maxRetriesPerRequest).toBeNull();
    expect(options.enableOfflineQueue).toBeUndefined();
    expect(options.connectionName).toBe('role-sync-worker');
  });

  it.each(['producer', 'client'] as const)('makes %s commands fail fast while Redis is down', (purpose) => {
    const options = redisOptionsFor({ purpose, name: 'api' });
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.maxRetriesPerRequest).toBe(1);
    expect(options.connectTimeout).toBe(2_000);
    expect(options.commandTimeout).toBe(5_000);
  });

  it('takes overrides for timeouts', () => {
    const options = redisOptionsFor({
      purpose: 'producer',
      name: 'api',
      connectTimeoutMs: 500,
      commandTimeoutMs: 800,
    });
    expect(options.connectTimeout).toBe(500);
    expect(options.commandTimeout).toBe(800);
  });

  it('never stops reconnecting', () => {
    const { retryStrategy } = redisOptionsFor({ purpose: 'client', name: 'api', maxReconnectDelayMs: 3_000 });
    for (const attempt of [1, 5, 50, 10_000]) {
      const delay = retryStrategy?.(attempt);
      expect(typeof delay).toBe('number');
      expect(delay).toBeLessThanOrEqual(3_000);
    }
  });
});

describe('reconnectDelayMs', () => {
  it('grows exponentially from 100 ms and is capped', () => {
    const noJitter = () => 1;
    expect([1, 2, 3, 4].map((attempt) => reconnectDelayMs(attempt, 10_000, noJitter))).toEqual([
      100, 200, 400, 800,
    ]);
    expect(reconnectDelayMs(30, 10_000, noJitter)).toBe(10_000);
  });

  it('spreads reconnects by up to 20 %', () => {
    expect(reconnectDelayMs(4, 10_000, () => 0)).toBe(640);
    expect(reconnectDelayMs(30, 10_000, () => 0)).toBe(8_000);
  });
});
