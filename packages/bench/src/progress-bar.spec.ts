import { describe, expect, it } from '@jest/globals';
import { ProgressBar, renderProgress } from './progress-bar';

describe('renderProgress', () => {
  it('fills the bar by the fraction done and shows counts, time and detail', () => {
    expect(renderProgress({ label: '[1]', done: 15, total: 30, elapsedMs: 2_500, detail: '47/s' }, 10)).toBe(
      '[1] [█████░░░░░]  50% 15/30 2.5 s  47/s',
    );
    expect(renderProgress({ label: 'x', done: 40, total: 30, elapsedMs: 0 }, 4)).toBe(
      'x [████] 100% 40/30 0.0 s',
    );
    expect(renderProgress({ label: 'x', done: 0, total: 0, elapsedMs: 0 }, 4)).toBe(
      'x [░░░░]   0% 0/0 0.0 s',
    );
  });
});

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, columns: 200, written, write: (text: string) => written.push(text) };
}

describe('ProgressBar', () => {
  it('redraws in place on a terminal, throttled, and ends the line when finished', () => {
    let now = 0;
    const out = sink(true);
    const bar = new ProgressBar(out, 'drain', 100, () => now);
    bar.update(10);
    now = 50;
    bar.update(20);
    now = 150;
    bar.update(30);
    bar.finish(100);
    bar.update(100);
    expect(out.written).toHaveLength(3);
    expect(out.written.every((text) => text.startsWith('\r'))).toBe(true);
    expect(out.written[1]).toContain('30/100');
    expect(out.written[2]!.endsWith('\n')).toBe(true);
  });

  it('prints whole lines every few seconds when not on a terminal', () => {
    let now = 0;
    const out = sink(false);
    const bar = new ProgressBar(out, 'drain', 10, () => now, 5_000);
    bar.update(1);
    now = 1_000;
    bar.update(2);
    now = 6_000;
    bar.update(3, 'busy', 20);
    bar.finish(20);
    expect(out.written).toEqual([
      'drain [██░░░░░░░░░░░░░░░░░░░░░░]  10% 1/10 0.0 s\n',
      'drain [████░░░░░░░░░░░░░░░░░░░░]  15% 3/20 6.0 s  busy\n',
      'drain [████████████████████████] 100% 20/20 6.0 s\n',
    ]);
  });
});
