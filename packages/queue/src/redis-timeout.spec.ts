import { describe, expect, it, jest } from '@jest/globals';
import { withRedisTimeout } from './redis-timeout';

describe('withRedisTimeout', () => {
  it('answers with the promise when it settles in time, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      await expect(withRedisTimeout(Promise.resolve(7), 100)).resolves.toBe(7);
      await expect(withRedisTimeout(Promise.reject(new Error('NOSCRIPT')), 100)).rejects.toThrow('NOSCRIPT');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects after the timeout, and a late rejection of the call is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let fail: (error: Error) => void = () => undefined;
      const slow = new Promise<number>((_, reject) => {
        fail = reject;
      });
      await expect(withRedisTimeout(slow, 5)).rejects.toThrow('Redis did not answer within 5 ms');
      fail(new Error('connection reset'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
