import { JOB_CATALOG, type JobName, type QueueName } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import type { JobRequestOf, Producer } from '@inflow/queue';

export interface OutboxRedeliveryOptions {
  outbox: Pick<Repositories['outbox'], 'unconfirmedJobs' | 'republish' | 'prunePublished'>;
  /** The producers of the queues the redelivered jobs go to: they tell whether a job is still queued. */
  producers: { [Queue in RedeliverableQueue]: Pick<Producer<Queue>, 'isQueued'> };
  /** A job published this long ago that has not run, and is no longer queued, was lost by Redis. */
  redeliverAfterMs: number;
  /** Published outbox rows older than this are deleted. */
  retentionMs: number;
  /** The most rows looked at per run. */
  limit: number;
}

export interface RedeliveryResult {
  /** Published jobs old enough to be suspect that show no sign of having run. */
  unconfirmed: number;
  /** Of those, the ones no longer queued: handed back to the relay. */
  republished: number;
  /** Published rows deleted after the retention. */
  pruned: number;
}

/** How often one outbox row may be published again; a job that keeps vanishing is not chased forever. */
export const MAX_REDELIVERIES = 3;

/** How far back published rows are looked at, at least: the work stays bounded however large the outbox. */
const MIN_LOOKBACK_MS = 3_600_000;

/** The jobs whose effect can be checked in Postgres (see OutboxRepository.unconfirmedJobs). */
const REDELIVERABLE = new Set<string>(['notification.send', 'role-sync.member'] satisfies JobName[]);
type RedeliverableQueue = 'notifications' | 'role-sync';

/**
 * Makes published jobs survive a Redis that lost its data. The relay marks an outbox row published once
 * BullMQ took the job; if Redis then loses it (FLUSHALL, a restart without persistence), nothing else
 * would run it: a notification would never be posted, and a member's first role (the drift sweep only
 * re-reads members it granted something before) never given. A job published between
 * `redeliverAfterMs` and max(1 h, 6 × that) ago that shows no sign of having run (no delivery outcome;
 * no sync of the member since) and is no longer queued goes back to the relay, which publishes it again.
 * Running it twice is harmless: the delivery ledger and Discord's nonce keep a notification from being
 * posted twice, and a role sync re-reads Postgres. Also prunes the outbox.
 */
export class OutboxRedeliveryService {
  constructor(private readonly options: OutboxRedeliveryOptions) {}

  async run(now: Date): Promise<RedeliveryResult> {
    const { outbox, redeliverAfterMs, retentionMs, limit } = this.options;
    const lookbackMs = Math.min(retentionMs, Math.max(MIN_LOOKBACK_MS, 6 * redeliverAfterMs));
    const unconfirmed = await outbox.unconfirmedJobs({
      publishedAfter: new Date(now.getTime() - lookbackMs),
      publishedBefore: new Date(now.getTime() - redeliverAfterMs),
      maxRedeliveries: MAX_REDELIVERIES,
      limit,
    });
    const lost: string[] = [];
    for (const row of unconfirmed) {
      if (!(await this.stillQueued(row.jobName, row.payload))) lost.push(row.id);
    }
    const republished = await outbox.republish(lost);
    const pruned = await outbox.prunePublished(new Date(now.getTime() - retentionMs));
    return { unconfirmed: unconfirmed.length, republished, pruned };
  }

  private stillQueued(jobName: string, payload: unknown): Promise<boolean> {
    if (!REDELIVERABLE.has(jobName)) return Promise.resolve(true);
    const name = jobName as JobName;
    // Routed by the job's own catalog entry, as the outbox relay does.
    const producer = this.options.producers[JOB_CATALOG[name].queue as RedeliverableQueue] as Pick<
      Producer<QueueName>,
      'isQueued'
    >;
    return producer.isQueued({ name, payload } as JobRequestOf<QueueName>);
  }
}
