import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Which sweep a measurement belongs to. */
export type SweepKind = 'access-ended' | 'drift';

/** The cleanup worker's own metrics, registered in the process registry that /metrics serves. */
export class CleanupMetrics {
  private readonly duration: Histogram<'kind' | 'outcome'>;
  private readonly enqueued: Counter<'kind'>;
  private readonly lastSuccess: Gauge<'kind'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'cleanup_sweep_duration_seconds',
      help: 'Cleanup sweep runs by kind and outcome (done or failed)',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.enqueued = new Counter({
      name: 'cleanup_members_enqueued_total',
      help: 'Role-sync jobs requested by the cleanup sweeps, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
    // Alert on this one: a cleanup that silently stops leaves ended access in place.
    this.lastSuccess = new Gauge({
      name: 'cleanup_last_success_timestamp_seconds',
      help: 'Unix time at which a sweep of this kind last finished successfully',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
  }

  /** Runs one sweep, timing it and, when it succeeds, counting its members and stamping the time. */
  async measure<Result extends { members: number }>(
    kind: SweepKind,
    run: () => Promise<Result>,
    now: () => Date = () => new Date(),
  ): Promise<Result> {
    const started = performance.now();
    try {
      const result = await run();
      this.duration.observe({ kind, outcome: 'done' }, (performance.now() - started) / 1_000);
      this.enqueued.inc({ kind }, result.members);
      this.lastSuccess.set({ kind }, now().getTime() / 1_000);
      return result;
    } catch (error) {
      this.duration.observe({ kind, outcome: 'failed' }, (performance.now() - started) / 1_000);
      throw error;
    }
  }
}
