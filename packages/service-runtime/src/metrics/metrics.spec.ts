import { describe, expect, it } from '@jest/globals';
import { Counter } from 'prom-client';
import { createMetrics } from './metrics';

describe('createMetrics', () => {
  it('collects default process metrics labelled with the service', async () => {
    const { registry } = createMetrics({ service: 'cleanup-worker' });
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="cleanup-worker"\} \d/m);
    expect(text).toContain('nodejs_eventloop_lag_seconds{service="cleanup-worker"}');
  });

  it('gives every call its own registry, so the same metric name can be registered twice', async () => {
    const first = createMetrics({ service: 'api' });
    const second = createMetrics({ service: 'gateway-worker' });
    const name = 'inflow_jobs_total';
    new Counter({ name, help: 'Jobs processed.', registers: [first.registry] }).inc(3);
    new Counter({ name, help: 'Jobs processed.', registers: [second.registry] }).inc();
    expect(await first.registry.getSingleMetricAsString(name)).toContain(`${name}{service="api"} 3`);
    expect(await second.registry.getSingleMetricAsString(name)).toContain(
      `${name}{service="gateway-worker"} 1`,
    );
  });
});
