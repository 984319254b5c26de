import { describe, expect, it } from '@jest/globals';
import { activityChart } from './activity-chart';

describe('activityChart', () => {
  const now = new Date('2026-11-26T12:34:00Z');

  it('draws one line per kind over 24 hourly points, with the totals in words', () => {
    const svg = activityChart(
      [
        { hour: new Date('2026-11-26T12:00:00Z'), kind: 'role.granted', count: 5 },
        { hour: new Date('2026-11-26T11:00:00Z'), kind: 'role.removed', count: 2 },
        { hour: new Date('2026-11-25T08:00:00Z'), kind: 'role.failed', count: 9 },
      ],
      now,
    );
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    const granted = /points="([^"]+)"><title>Grants/.exec(svg)![1]!.split(' ');
    expect(granted).toHaveLength(24);
    expect(svg).toContain('Grants: 5, Removals: 2, Failures: 0');
  });

  it('copes with no activity at all', () => {
    expect(activityChart([], now)).toContain('Grants: 0, Removals: 0, Failures: 0');
  });
});
