import { type JobName, type JobNameOf, type JobPayload, type QueueName } from '@inflow/contracts';
import { UnrecoverableError, Worker, type Job, type RateLimiterOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { InvalidJobPayloadError, isJobNameOf, parseJobPayload } from './job-catalog-access';
import { PermanentJobError, RateLimitedJobError } from './job-errors';

/** What a handler returns when it decided there is nothing to do; the job completes. */
export interface JobSkipped {
  status: 'skipped';
  /** Why, for logs and metrics (e.g. `member-not-linked`). */
  reason: string;
}

/** The value a finished job stores in Redis. */
export type JobResult = { status: 'done' } | JobSkipped;

/** What a handler knows about the job besides its payload. */
export interface JobContext<Name extends JobName = JobName> {
  queue: QueueName;
  name: Name;
  jobId: string;
  /** 1 on the first run; stalls and rate-limit returns do not count. */
  attempt: number;
  /** The catalog's attempts for this job. */
  maxAttempts: number;
  /** Aborted when the worker cancels the job; pass it to long I/O. */
  signal: AbortSignal | undefined;
  /** Ready to spread into a structured log line. */
  logFields: { queue: QueueName; job: Name; jobId: string; attempt: number };
}

/**
 * Handles one job type. Throw an Error to retry per the catalog's policy, {@link PermanentJobError} to
 * fail without retry, {@link RateLimitedJobError} to pause the queue without spending an attempt;
 * return {@link JobSkipped} when there is nothing to do.
 */
export type JobHandler<Name extends JobName> = (
  payload: JobPayload<Name>,
  context: JobContext<Name>,
) => Promise<void | JobSkipped>;

/** One handler per job of the queue: a missing one does not compile. */
export type JobHandlers<Queue extends QueueName> = { [Name in JobNameOf<Queue>]: JobHandler<Name> };

/** How a finished run is counted in metrics. */
export type CompletedOutcome = 'done' | 'skipped';
/**
 * How a failed run is counted in metrics: `retry` (another attempt follows), `exhausted` (that was the
 * last attempt), `permanent` ({@link PermanentJobError}), `invalid-payload` (schema or job name did not
 * match: a producer bug, never retried), `rate-limited` (put back without spending an attempt).
 */
export type FailedOutcome = 'retry' | 'exhausted' | 'permanent' | 'invalid-payload' | 'rate-limited';

export interface WorkerOptions {
  /** A `worker` connection from {@link createRedisConnection}; BullMQ duplicates it for blocking reads. */
  connection: Redis;
  /** BullMQ key prefix, the same as the producers'. */
  prefix: string;
  /** Jobs processed in parallel by this process. Default 1. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a crashed worker's job is taken over after it. Default 30 s. */
  lockDuration?: number;
  /** How often this worker looks for jobs whose worker died. Default 30 s. */
  stalledInterval?: number;
  /** Stalls allowed before a job is failed (a job that kills its worker each time). Default 1. */
  maxStalledCount?: number;
  /**
   * A static limit of jobs per duration for the whole queue, across workers. Without one the worker
   * still installs an effectively unbounded limiter, because BullMQ honours a manual rate limit
   * ({@link RateLimitedJobError}) only on workers that have a limiter.
   */
  limiter?: RateLimiterOptions;
  /** Shown in BullMQ as the job's `processedBy`; use the service and pod name. */
  workerName?: string;
  /** Called after each successful run. */
  onCompleted?: (name: JobName, outcome: CompletedOutcome, durationMs: number) => void;
  /** Called after each failed run; `error` is what the handler threw. */
  onFailed?: (name: string, outcome: FailedOutcome, durationMs: number, error: Error) => void;
  /** Receives errors the BullMQ worker emits outside a job (e.g. Redis unreachable). */
  onError?: (error: Error) => void;
  /** Clock for durations; injectable for tests. */
  now?: () => number;
}

export interface QueueWorker {
  readonly queue: QueueName;
  /** Resolves once the worker is connected and taking jobs. */
  waitUntilReady(): Promise<void>;
  /**
   * Stops taking jobs, lets the active ones finish, and closes BullMQ's own connections (the caller's
   * connection stays open). Safe to call more than once.
   */
  close(): Promise<void>;
}

// Large enough never to throttle real traffic; it exists only so that manual rate limits apply.
const UNBOUNDED_LIMITER: RateLimiterOptions = { max: 1_000_000_000, duration: 60_000 };

/** Starts a worker that runs the catalog's jobs of one queue through typed handlers. */
export function createWorker<Queue extends QueueName>(
  queue: Queue,
  handlers: JobHandlers<Queue>,
  options: WorkerOptions,
): QueueWorker {
  const now = options.now ?? Date.now;

  async function processJob(job: Job<unknown, JobResult, string>, _token?: string, signal?: AbortSignal) {
    const started = now();
    const name = job.name;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    try {
      if (!isJobNameOf(queue, name)) {
        throw new InvalidJobPayloadError(name, [`no job of this name on queue "${queue}"`]);
      }
      const payload = parseJobPayload(name, job.data);
      const jobId = job.id ?? '';
      const context: JobContext<typeof name> = {
        queue,
        name,
        jobId,
        attempt,
        maxAttempts,
        signal,
        logFields: { queue, job: name, jobId, attempt },
      };
      // The mapped handler type cannot be indexed by a name narrowed at run time; the key and the
      // payload come from the same catalog entry, so the call is sound.
      const handler = handlers[name] as JobHandler<JobName>;
      const skipped = await handler(payload, context);
      const result: JobResult = skipped ?? { status: 'done' };
      options.onCompleted?.(name, result.status, now() - started);
      return result;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(`Non-Error thrown: ${String(thrown)}`);
      const outcome = classifyFailure(error, attempt, maxAttempts);
      options.onFailed?.(name, outcome, now() - started, error);
      throw await toBullMqError(error, outcome);
    }
  }

  async function toBullMqError(error: Error, outcome: FailedOutcome): Promise<Error> {
    switch (outcome) {
      case 'rate-limited':
        // Sets the queue-wide limiter key, so every worker of this queue waits, then BullMQ moves the
        // job back to wait without counting an attempt. (BullMQ 6 also offers Queue.rateLimit; the
        // worker's own method writes the same key without a second Queue object.)
        await worker.rateLimit((error as RateLimitedJobError).retryAfterMs);
        return Worker.RateLimitError();
      case 'permanent':
      case 'invalid-payload':
        return new UnrecoverableError(`${error.name}: ${error.message}`);
      case 'retry':
      case 'exhausted':
        return error;
    }
  }

  const worker = new Worker<unknown, JobResult, string>(queue, processJob, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDuration ?? 30_000,
    stalledInterval: options.stalledInterval ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 1,
    limiter: options.limiter ?? UNBOUNDED_LIMITER,
    ...(options.workerName !== undefined ? { name: options.workerName } : {}),
  });
  worker.on('error', (error) => options.onError?.(error));
  let closing: Promise<void> | undefined;

  return {
    queue,
    waitUntilReady: () => worker.waitUntilReady(),
    close() {
      closing ??= worker.close();
      return closing;
    },
  };
}

/** Sorts a handler's failure into the classes of STYLE.md §4. */
export function classifyFailure(error: Error, attempt: number, maxAttempts: number): FailedOutcome {
  if (error instanceof RateLimitedJobError) {
    return 'rate-limited';
  }
  if (error instanceof InvalidJobPayloadError) {
    return 'invalid-payload';
  }
  if (error instanceof PermanentJobError || error instanceof UnrecoverableError) {
    return 'permanent';
  }
  return attempt >= maxAttempts ? 'exhausted' : 'retry';
}
