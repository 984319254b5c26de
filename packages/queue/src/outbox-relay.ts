import { JOB_CATALOG, type JobName, type QueueName } from '@inflow/contracts';
import { InvalidJobPayloadError, isJobName, parseJobPayload } from './job-catalog-access';
import type { JobRequest, JobRequestOf, Producer } from './producer';

/** One unpublished outbox row, written by the API in the transaction that changed the state. */
export interface OutboxRow {
  id: string;
  /**
   * A catalog job name. Typed as a plain string because the column is text: a row written before a
   * job was renamed or removed can carry a name the catalog no longer has, and is dead-lettered.
   */
  jobName: string;
  payload: unknown;
}

/**
 * Where the relay reads the outbox from. packages/db implements it with `SELECT … FOR UPDATE SKIP
 * LOCKED` (OutboxRepository).
 */
export interface OutboxSource {
  /**
   * Claims up to `limit` unpublished, live rows (oldest first) in one transaction, calls `publish` with
   * them, marks them published and commits. If `publish` throws, the transaction rolls back and the
   * rows stay unpublished. Does not call `publish` when no row is available. Returns how many rows it
   * claimed. Safe with many relays at once: a row claimed by one is skipped by the others.
   */
  publishBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number>;
  /**
   * Parks a row that can never be published (unknown job name, payload failing its schema) with the
   * reason, so that it is kept for repair and never claimed again. The relay calls it after the batch
   * holding the row committed: `publish` returns normally for such rows, so one bad row cannot roll
   * back, and thereby block, the rows claimed with it.
   */
  markDead(id: string, reason: string): Promise<void>;
}

/** The producer of every queue: a complete map, so a row for any catalog job has somewhere to go. */
export type OutboxProducers = { readonly [Queue in QueueName]: Pick<Producer<Queue>, 'addBulk'> };

export interface OutboxRelayOptions {
  source: OutboxSource;
  producers: OutboxProducers;
  /** Rows per transaction. Default 100. */
  batchSize?: number;
  /** Wait after a batch that was not full, unless woken. Default 1 s. */
  idleDelayMs?: number;
  /** Ceiling of the backoff after failed batches (Redis or Postgres down). Default 30 s. */
  maxBackoffMs?: number;
  /** Called after each committed batch that published rows. */
  onPublished?: (count: number) => void;
  /** Called for each row that can never be published, before it is parked: alert on it, it needs a human. */
  onDeadLetter?: (row: OutboxRow, reason: string) => void;
  /** Called after each failed batch; the relay retries after `retryInMs`. */
  onError?: (error: Error, consecutiveFailures: number, retryInMs: number) => void;
}

export interface OutboxRelay {
  /** Publish now instead of after the idle delay; the API calls it after committing outbox rows. */
  wake(): void;
  /** Stops after the batch in progress (if any) has committed or rolled back. Safe to call twice. */
  stop(): Promise<void>;
}

const FIRST_BACKOFF_MS = 250;

interface DeadLetter {
  row: OutboxRow;
  reason: string;
}

interface Sleep {
  wakeable: boolean;
  finish(): void;
}

/**
 * Starts the loop that moves outbox rows into BullMQ. Delivery is at least once: a crash between
 * publishing and committing publishes the rows again, which collapses into the pending job (see
 * jobOptionsFor) or runs an idempotent handler twice. No row is lost while Redis is down: the batch
 * rolls back and is retried with backoff, forever.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 100;
  const idleDelayMs = options.idleDelayMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let wakeRequested = false;
  let sleeping: Sleep | undefined;

  function sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        sleeping = undefined;
        resolve();
      }
      sleeping = { wakeable, finish };
    });
  }

  /** Enqueues the valid rows; returns the others with the reason they can never be published. */
  async function publish(rows: OutboxRow[]): Promise<DeadLetter[]> {
    const deadLetters: DeadLetter[] = [];
    const byQueue = new Map<QueueName, JobRequest<JobName>[]>();
    for (const row of rows) {
      const request = toJobRequest(row);
      if (typeof request === 'string') {
        deadLetters.push({ row, reason: request });
        continue;
      }
      const queue = JOB_CATALOG[request.name].queue;
      const requests = byQueue.get(queue) ?? [];
      requests.push(request);
      byQueue.set(queue, requests);
    }
    for (const [queue, requests] of byQueue) {
      // Each request was routed by its own catalog entry, so it belongs to this queue's producer;
      // TypeScript cannot follow that through the map lookup.
      const producer = options.producers[queue] as Pick<Producer<QueueName>, 'addBulk'>;
      await producer.addBulk(requests as JobRequestOf<QueueName>[]);
    }
    return deadLetters;
  }

  async function runBatch(): Promise<number> {
    let published = 0;
    let deadLetters: DeadLetter[] = [];
    const claimed = await options.source.publishBatch(batchSize, async (rows) => {
      deadLetters = await publish(rows);
      published = rows.length - deadLetters.length;
    });
    // Reported only now that the source has committed: a rolled-back batch is reported when retried.
    if (published > 0) {
      notify(() => options.onPublished?.(published));
    }
    for (const { row, reason } of deadLetters) {
      notify(() => options.onDeadLetter?.(row, reason));
      await options.source.markDead(row.id, reason);
    }
    return claimed;
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      wakeRequested = false;
      let claimed: number;
      try {
        claimed = await runBatch();
        failures = 0;
      } catch (thrown) {
        failures += 1;
        const error = thrown instanceof Error ? thrown : new Error(`Non-Error thrown: ${String(thrown)}`);
        const retryInMs = backoffMs(failures, maxBackoffMs);
        notify(() => options.onError?.(error, failures, retryInMs));
        await sleep(retryInMs, false);
        continue;
      }
      // A full batch means more rows are probably waiting; a wake during the batch may be for rows
      // committed after the claim.
      if (claimed >= batchSize || wakeRequested || stopped) {
        continue;
      }
      await sleep(idleDelayMs, true);
    }
  }

  const running = loop();
  let stopping: Promise<void> | undefined;

  return {
    wake() {
      if (sleeping?.wakeable === true) {
        sleeping.finish();
      } else {
        wakeRequested = true;
      }
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        sleeping?.finish();
        await running;
      })();
      return stopping;
    },
  };
}

/** Parses a row into a job request, or returns why it can never be published. */
function toJobRequest(row: OutboxRow): JobRequest<JobName> | string {
  if (!isJobName(row.jobName)) {
    return `unknown job name "${row.jobName}"`;
  }
  try {
    return { name: row.jobName, payload: parseJobPayload(row.jobName, row.payload) };
  } catch (error) {
    if (error instanceof InvalidJobPayloadError) {
      return error.message;
    }
    throw error;
  }
}

/** Exponential from 250 ms, capped, with jitter so that relays restarted together spread out. */
function backoffMs(failures: number, maxBackoffMs: number): number {
  const capped = Math.min(maxBackoffMs, FIRST_BACKOFF_MS * 2 ** (failures - 1));
  return Math.round(capped * (0.5 + 0.5 * Math.random()));
}

/** Runs a caller's callback; a throwing logger must not stop the relay, which has to run forever. */
function notify(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately ignored: see above.
  }
}
