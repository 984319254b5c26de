import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { QueueName } from '@inflow/contracts';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export interface QueueMetricsOptions {
  registry: Registry;
  connection: Redis;
  prefix: string;
  queues: readonly QueueName[];
}

/**
 * Queue depth by state and the age of the oldest waiting job, per queue, read from Redis when Prometheus
 * scrapes: the operator's "is work piling up, and how stale is it". Returns a closer for the queue handles.
 */
export function createQueueMetrics(options: QueueMetricsOptions): () => Promise<void> {
  const handles = options.queues.map(
    (name) =>
      new Queue(name, {
        connection: options.connection,
        prefix: options.prefix,
        skipWaitingForReady: true,
        skipVersionCheck: true,
      }),
  );
  for (const handle of handles) handle.on('error', () => undefined);
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [options.registry],
    async collect() {
      await Promise.all(
        handles.map(async (handle) => {
          const counts = await handle.getJobCounts(...STATES).catch(() => null);
          if (counts === null) return;
          for (const state of STATES) this.set({ queue: handle.name, state }, counts[state] ?? 0);
        }),
      );
    },
  });
  new Gauge({
    name: 'queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [options.registry],
    async collect() {
      await Promise.all(
        handles.map(async (handle) => {
          const [oldest] = await handle.getJobs(['wait'], 0, 0, true).catch(() => []);
          this.set(
            { queue: handle.name },
            oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.timestamp) / 1000),
          );
        }),
      );
    },
  });
  return async () => {
    await Promise.all(handles.map((handle) => handle.close()));
  };
}
