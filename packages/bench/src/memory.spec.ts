import { describe, expect, it } from '@jest/globals';
import { metricValue } from './memory';

describe('metricValue', () => {
  const text = [
    '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
    '# TYPE nodejs_heap_size_total_bytes gauge',
    'nodejs_heap_size_total_bytes{service="role-sync-worker"} 52428800',
    'nodejs_heap_size_used_bytes 4.2e7',
    'nodejs_heap_size_total_bytes_extra 1',
  ].join('\n');

  it('reads a series with or without labels', () => {
    expect(metricValue(text, 'nodejs_heap_size_total_bytes')).toBe(52_428_800);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBe(42_000_000);
  });

  it('answers null for a metric that is not there', () => {
    expect(metricValue(text, 'nodejs_external_memory_bytes')).toBeNull();
  });
});
