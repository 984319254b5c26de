import { describe, expect, it } from '@jest/globals';
import { barChartSvg, histogramSvg, lineChartSvg, niceTicks } from './svg-chart';

function count(svg: string, pattern: RegExp): number {
  return svg.match(pattern)?.length ?? 0;
}

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and reaches the maximum', () => {
    expect(niceTicks(47)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('lineChartSvg', () => {
  it('draws one polyline per series with a point per sample, and the ceiling as a labelled line', () => {
    const svg = lineChartSvg({
      title: 'Drain <1 worker>',
      xLabel: 'seconds',
      yLabel: 'role changes per second',
      series: [
        {
          name: 'achieved',
          points: [
            { t: 0, value: 45 },
            { t: 1, value: 48 },
            { t: 2, value: 47 },
          ],
        },
      ],
      horizontal: [{ value: 50, label: 'ceiling 50/s' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(count(svg, /<polyline /g)).toBe(1);
    expect(/points="([^"]+)"/.exec(svg)?.[1]?.split(' ')).toHaveLength(3);
    expect(svg).toContain('ceiling 50/s');
    expect(svg).toContain('Drain &#60;1 worker&#62;');
    expect(svg).not.toContain('<1 worker>');
  });
});

describe('histogramSvg', () => {
  it('draws a bar per bin and a line per marker', () => {
    const svg = histogramSvg({
      title: 'latency',
      xLabel: 'ms',
      bins: [
        { from: 0, to: 10, count: 3 },
        { from: 10, to: 20, count: 7 },
        { from: 20, to: 30, count: 1 },
      ],
      markers: [
        { value: 12, label: 'p50 12 ms', dashed: false },
        { value: 25, label: 'target 25 ms' },
      ],
    });
    expect(count(svg, /<rect class="bar" /g)).toBe(3);
    expect(svg).toContain('p50 12 ms');
    expect(svg).toContain('target 25 ms');
  });
});

describe('barChartSvg', () => {
  it('draws one bar per category and series, labelled with its value', () => {
    const svg = barChartSvg({
      title: 'memory',
      yLabel: 'MB',
      categories: ['api', 'role-sync-worker'],
      series: [
        { name: 'idle', values: [80, 70] },
        { name: 'after', values: [95, 88] },
      ],
      horizontal: [{ value: 150, label: 'target 150 MB' }],
    });
    expect(count(svg, /<rect class="bar" /g)).toBe(4);
    for (const value of ['80', '70', '95', '88']) expect(svg).toContain(`>${value}</text>`);
    expect(svg).toContain('target 150 MB');
  });
});
