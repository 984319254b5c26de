import { describe, expect, it } from '@jest/globals';
import { TickBatcher } from './tick-batcher';

describe('TickBatcher', () => {
  it('runs the calls of one event-loop turn as one batch, answering each in order', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, number>((requests) => {
      batches.push([...requests]);
      return Promise.resolve(requests.map((n) => n * 10));
    });

    const first = await Promise.all([batcher.load(1), batcher.load(2), batcher.load(3)]);
    const second = await batcher.load(4);

    expect(first).toEqual([10, 20, 30]);
    expect(second).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a failed batch, and the next batch runs afresh', async () => {
    let fail = true;
    const batcher = new TickBatcher<string, string>((requests) =>
      fail ? Promise.reject(new Error('down')) : Promise.resolve(requests.map((r) => r.toUpperCase())),
    );

    const failed = await Promise.allSettled([batcher.load('a'), batcher.load('b')]);
    fail = false;

    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await batcher.load('c')).toBe('C');
  });

  it('rejects a batch answered with the wrong number of results', async () => {
    const batcher = new TickBatcher<number, number>(() => Promise.resolve([1]));
    await expect(Promise.all([batcher.load(1), batcher.load(2)])).rejects.toThrow(/answered with 1/);
  });
});
