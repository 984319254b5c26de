import { Counter, Histogram, type Registry } from 'prom-client';
import type { WorkerOptions } from './worker';

/**
 * Job outcomes by class (done, skipped, retry, exhausted, permanent, invalid-payload, rate-limited) and
 * durations, as the hooks of {@link createWorker}.
 */
export function createJobMetrics(registry: Registry): Pick<WorkerOptions, 'onCompleted' | 'onFailed'> {
  const outcomes = new Counter({
    name: 'jobs_total',
    help: 'Jobs finished, by job name and outcome class',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Time a job spent in its handler',
    labelNames: ['job'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    onCompleted: (job, outcome, ms) => {
      outcomes.inc({ job, outcome });
      duration.observe({ job }, ms / 1000);
    },
    onFailed: (job, outcome, ms) => {
      outcomes.inc({ job, outcome });
      duration.observe({ job }, ms / 1000);
    },
  };
}
