import { describe, expect, it } from '@jest/globals';
import { sweepWindow } from './sweep-window';

const NOW = new Date('2026-11-24T10:00:00.000Z');
const options = { intervalMs: 300_000, commitMarginMs: 30_000 };

describe('sweepWindow', () => {
  it('runs from the cursor to the commit margin behind the clock', () => {
    const cursor = new Date('2026-11-24T09:55:00.000Z');
    expect(sweepWindow(cursor, NOW, options)).toEqual({
      from: cursor,
      to: new Date('2026-11-24T09:59:30.000Z'),
    });
  });

  it('looks back two intervals from the window end when no sweep ran yet', () => {
    expect(sweepWindow(null, NOW, options)).toEqual({
      from: new Date('2026-11-24T09:49:30.000Z'),
      to: new Date('2026-11-24T09:59:30.000Z'),
    });
  });

  it('tiles the timeline: the next window starts exactly where the last one ended', () => {
    const first = sweepWindow(null, NOW, options)!;
    const second = sweepWindow(first.to, new Date(NOW.getTime() + 300_000), options)!;
    expect(second.from).toEqual(first.to);
    expect(second.to.getTime() - second.from.getTime()).toBe(300_000);
  });

  it('is empty when the cursor is at or past the end (a longer margin, or a clock step back)', () => {
    expect(sweepWindow(new Date('2026-11-24T09:59:30.000Z'), NOW, options)).toBeNull();
    expect(sweepWindow(new Date('2026-11-24T10:05:00.000Z'), NOW, options)).toBeNull();
  });

  it('ends at the clock itself with a zero margin', () => {
    expect(
      sweepWindow(new Date('2026-11-24T09:59:00.000Z'), NOW, { ...options, commitMarginMs: 0 })?.to,
    ).toEqual(NOW);
  });
});
