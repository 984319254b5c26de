import { describe, expect, it } from '@jest/globals';
import { ioCalls, machineTicks, processTicks } from './cpu-meter';

describe('processTicks', () => {
  it('adds utime and stime, even when the command name holds spaces and parentheses', () => {
    const stat =
      '4242 (postgres: a (b) c) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 1 0 100 200000000 3000 18446744073709551615';
    expect(processTicks(stat)).toBe(1801);
  });

  it('fails on text that is not a stat line', () => {
    expect(() => processTicks('nonsense')).toThrow(/stat/);
  });
});

describe('machineTicks', () => {
  it('counts idle and iowait as not busy', () => {
    const stat = 'cpu  100 5 50 800 20 1 4 0 0 0\ncpu0 50 2 25 400 10 0 2 0 0 0\nintr 1\n';
    expect(machineTicks(stat)).toEqual({ busy: 160, total: 980 });
  });
});

describe('ioCalls', () => {
  it('reads the read and write system call counts', () => {
    const io = 'rchar: 6976\nwchar: 10\nsyscr: 12\nsyscw: 3\nread_bytes: 0\nwrite_bytes: 0\n';
    expect(ioCalls(io)).toEqual({ reads: 12, writes: 3 });
    expect(() => ioCalls('rchar: 1\n')).toThrow(/io/);
  });
});
