import { describe, expect, it } from '@jest/globals';
import { delta, sumByLabel } from './service-metrics';

const METRICS = [
  '# HELP jobs_total Jobs by outcome',
  '# TYPE jobs_total counter',
  'jobs_total{job="role-sync.member",outcome="done",service="role-sync-worker"} 2990',
  'jobs_total{job="role-sync.member",outcome="rate-limited",service="role-sync-worker"} 10',
  'jobs_total{job="other",outcome="done",service="role-sync-worker"} 5',
  'jobs_total_created 1',
  'discord_rate_limited_total 3',
].join('\n');

describe('sumByLabel', () => {
  it('sums the series of a metric by one label', () => {
    expect(sumByLabel(METRICS, 'jobs_total', 'outcome')).toEqual(
      new Map([
        ['done', 2995],
        ['rate-limited', 10],
      ]),
    );
  });

  it('puts series without the label under the empty key, and finds nothing for unknown metrics', () => {
    expect(sumByLabel(METRICS, 'discord_rate_limited_total', 'scope')).toEqual(new Map([['', 3]]));
    expect(sumByLabel(METRICS, 'missing_total', 'scope').size).toBe(0);
  });
});

describe('delta', () => {
  it('keeps the keys that moved', () => {
    expect(
      delta(
        new Map([
          ['done', 10],
          ['retry', 2],
        ]),
        new Map([
          ['done', 4],
          ['retry', 2],
        ]),
      ),
    ).toEqual({ done: 6 });
  });
});
