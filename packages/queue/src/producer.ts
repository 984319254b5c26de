import {
  JOB_CATALOG,
  jobIdFor,
  type JobName,
  type JobNameOf,
  type JobPayload,
  type QueueName,
} from '@inflow/contracts';
import { Queue, type JobsOptions, type KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';
import { isJobNameOf, parseJobPayload } from './job-catalog-access';

/** How long finished jobs stay in Redis. BullMQ evicts on the next finish of the same kind. */
export interface JobRetention {
  completed: KeepJobs;
  failed: KeepJobs;
}

/**
 * Completed jobs only help short-term debugging (Postgres holds the real state); failed jobs stay a
 * week so that an operator can inspect and replay them, bounded in count so a failure storm cannot
 * fill Redis.
 */
export const DEFAULT_JOB_RETENTION: JobRetention = {
  completed: { age: 60 * 60, count: 1_000 },
  failed: { age: 7 * 24 * 60 * 60, count: 10_000 },
};

export interface AddJobOptions {
  /** Run the job no earlier than this many milliseconds from now. */
  delayMs?: number;
}

/** One job to enqueue: a catalog name with its payload. */
export interface JobRequest<Name extends JobName> extends AddJobOptions {
  name: Name;
  payload: JobPayload<Name>;
}

/** Any job of one queue, as a union discriminated by `name`. */
export type JobRequestOf<Queue extends QueueName> = {
  [Name in JobNameOf<Queue>]: JobRequest<Name>;
}[JobNameOf<Queue>];

/** Enqueues the catalog's jobs of one queue. */
export interface Producer<Queue extends QueueName> {
  readonly queue: Queue;
  /**
   * Validates the payload with the job's schema, then enqueues it with the catalog's retry policy.
   * Resolves to the id of the job that will run it: an existing one when the add collapsed.
   * Rejects with {@link InvalidJobPayloadError} before touching Redis when the payload is invalid,
   * and promptly when Redis is unreachable.
   */
  add<Name extends JobNameOf<Queue>>(
    name: Name,
    payload: JobPayload<Name>,
    options?: AddJobOptions,
  ): Promise<string>;
  /** Like {@link add} for many jobs in one atomic round trip; validates every payload first. */
  addBulk(jobs: ReadonlyArray<JobRequestOf<Queue>>): Promise<string[]>;
  /**
   * Whether the job this request would collapse into (by the catalog's job id) is still waiting, delayed
   * or running. False for jobs without such an id, which cannot be told apart. Validates the payload first.
   */
  isQueued(request: JobRequestOf<Queue>): Promise<boolean>;
  /** Closes the BullMQ queue (not the connection, which the caller owns). Safe to call twice. */
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** A `producer` connection from {@link createRedisConnection}; it fails fast while Redis is down. */
  connection: Redis;
  /** BullMQ key prefix; the same on producers and workers of a queue (see {@link parseQueuePrefix}). */
  prefix: string;
  /** Overrides {@link DEFAULT_JOB_RETENTION}. */
  retention?: JobRetention;
  /** Receives errors the BullMQ queue emits outside a call (e.g. while Redis is unreachable). */
  onError?: (error: Error) => void;
}

/**
 * The BullMQ options of one job. A job whose catalog entry has an id is collapsed with BullMQ
 * deduplication keyed by that id, in `keepLastIfActive` mode, instead of being given that id as its
 * job id. Collapsing by job id would swallow every later add for as long as an earlier job with the id
 * is kept, completed or failed, and an add arriving while the job runs (whose handler may already
 * have read the old state). Deduplication keeps at most one waiting and one active job per id: adds
 * while one waits collapse into it, an add while one runs schedules exactly one more run with the
 * newest payload, and finished jobs keep unique ids so that they can be retained for inspection.
 */
export function jobOptionsFor<Name extends JobName>(
  name: Name,
  payload: JobPayload<Name>,
  delayMs: number | undefined,
  retention: JobRetention,
): JobsOptions {
  const { retry } = JOB_CATALOG[name];
  const collapseId = jobIdFor(name, payload);
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new RangeError(`delayMs must be a finite number >= 0, got ${delayMs}`);
  }
  return {
    attempts: retry.attempts,
    backoff: { ...retry.backoff },
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
    ...(delayMs !== undefined && delayMs > 0 ? { delay: delayMs } : {}),
    ...(collapseId !== undefined ? { deduplication: { id: collapseId, keepLastIfActive: true } } : {}),
  };
}

/** Creates the producer of one queue. Callers create one per queue and process, and close it on shutdown. */
export function createProducer<Queue extends QueueName>(
  queue: Queue,
  options: ProducerOptions,
): Producer<Queue> {
  const retention = options.retention ?? DEFAULT_JOB_RETENTION;
  const bullQueue = new Queue<unknown, unknown, string>(queue, {
    connection: options.connection,
    prefix: options.prefix,
    // Without these BullMQ waits for the connection to be ready (and reads INFO) before its first
    // command, so an add issued while Redis is down would hang instead of failing fast, and a queue
    // created while Redis is down would stay broken. Workers still check the Redis version.
    skipWaitingForReady: true,
    skipVersionCheck: true,
  });
  bullQueue.on('error', (error) => options.onError?.(error));
  let closing: Promise<void> | undefined;

  function prepare(request: JobRequest<JobName>): { name: string; data: unknown; opts: JobsOptions } {
    if (!isJobNameOf(queue, request.name)) {
      throw new Error(`Job "${request.name}" does not belong to queue "${queue}"`);
    }
    const payload = parseJobPayload(request.name, request.payload);
    return {
      name: request.name,
      data: payload,
      opts: jobOptionsFor(request.name, payload, request.delayMs, retention),
    };
  }

  function assertOpen(): void {
    if (closing !== undefined) {
      throw new Error(`Producer of queue "${queue}" is closed`);
    }
  }

  return {
    queue,
    async add(name, payload, addOptions) {
      assertOpen();
      const job = prepare({ name, payload, ...addOptions });
      const added = await bullQueue.add(job.name, job.data, job.opts);
      return jobIdOf(added.id);
    },
    async addBulk(jobs) {
      assertOpen();
      if (jobs.length === 0) {
        return [];
      }
      const prepared = jobs.map((job) => prepare(job));
      const added = await bullQueue.addBulk(prepared);
      return added.map((job) => jobIdOf(job.id));
    },
    async isQueued(request) {
      assertOpen();
      const collapseId = prepare(request).opts.deduplication?.id;
      return collapseId !== undefined && (await bullQueue.getDeduplicationJobId(collapseId)) != null;
    },
    close() {
      closing ??= bullQueue.close();
      return closing;
    },
  };
}

function jobIdOf(id: string | undefined): string {
  // BullMQ sets the id once the add script ran; its type keeps it optional for unsaved jobs.
  if (id === undefined) {
    throw new Error('BullMQ returned a job without an id');
  }
  return id;
}
