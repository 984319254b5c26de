import { CLEANUP_SCHEDULER_ID, DRIFT_SCHEDULER_ID, type JobNameOf, type JobPayload } from '@inflow/contracts';
import { DEFAULT_JOB_RETENTION, jobOptionsFor } from '@inflow/queue';
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';

type CleanupJobName = JobNameOf<'cleanup'>;

export interface CleanupSchedule {
  /** Period of `cleanup.sweep` (CLEANUP_INTERVAL_MS). */
  sweepEveryMs: number;
  /** Period of `cleanup.drift-sweep` (DRIFT_INTERVAL_MS). */
  driftEveryMs: number;
}

/**
 * Makes the cleanup queue run one sweep at a time and installs its two job schedulers. Idempotent, so
 * every replica calls it at start: an upsert with an unchanged period keeps the scheduler's next run
 * (BullMQ replaces the pending job by one at the same time), a changed period reschedules it, and
 * there is one scheduler per id however many replicas upsert it.
 */
export async function installCleanupSchedulers(
  queue: Queue<unknown, unknown, string>,
  schedule: CleanupSchedule,
): Promise<void> {
  // A queue-wide limit kept in Redis, so it holds across replicas: two sweeps never read the same cursor
  // at once. Set before this process's worker starts, so it never takes a job without it.
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler(
    CLEANUP_SCHEDULER_ID,
    { every: schedule.sweepEveryMs },
    jobTemplate('cleanup.sweep'),
  );
  await queue.upsertJobScheduler(
    DRIFT_SCHEDULER_ID,
    { every: schedule.driftEveryMs },
    jobTemplate('cleanup.drift-sweep'),
  );
}

/** Whether the queue still has both schedulers and its one-at-a-time limit (a Redis flush loses them). */
export async function cleanupSchedulersPresent(queue: Queue<unknown, unknown, string>): Promise<boolean> {
  const [sweep, drift, concurrency] = await Promise.all([
    queue.getJobScheduler(CLEANUP_SCHEDULER_ID),
    queue.getJobScheduler(DRIFT_SCHEDULER_ID),
    queue.getGlobalConcurrency(),
  ]);
  return sweep !== undefined && drift !== undefined && concurrency === 1;
}

export interface SchedulerWatch {
  stop(): void;
}

/**
 * Checks every `checkEveryMs` that the schedulers are still in Redis and installs them again when not:
 * they live only there, so without this a Redis that lost its data (FLUSHALL, a restart without
 * persistence, a failover to an empty replica) would stop the cleanup cycle until a replica restarts.
 * A failed check (Redis down) is retried at the next tick.
 */
export function watchCleanupSchedulers(
  queue: Queue<unknown, unknown, string>,
  schedule: CleanupSchedule,
  options: { checkEveryMs: number; onRestored: () => void; onError: (error: Error) => void },
): SchedulerWatch {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      if (await cleanupSchedulersPresent(queue)) return;
      await installCleanupSchedulers(queue, schedule);
      options.onRestored();
    })()
      .catch(options.onError)
      .finally(() => {
        running = false;
      });
  }, options.checkEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The catalog's retry and retention options for the jobs a scheduler creates. */
function jobTemplate(name: CleanupJobName): {
  name: CleanupJobName;
  data: JobPayload<CleanupJobName>;
  opts: JobSchedulerTemplateOptions;
} {
  const data: JobPayload<CleanupJobName> = {};
  // Cleanup jobs have no collapsing id and no delay; a scheduler sets its own job id and timing.
  const {
    deduplication: _deduplication,
    delay: _delay,
    ...opts
  } = jobOptionsFor(name, data, undefined, DEFAULT_JOB_RETENTION);
  return { name, data, opts };
}
