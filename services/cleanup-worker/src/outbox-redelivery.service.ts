import { QUEUE_NAMES, jobIdFor, type QueueName } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import { parseJobPayload } from '@inflow/queue';

export interface OutboxRedeliveryOptions {
  outbox: Pick<Repositories['outbox'], 'unconfirmedJobs' | 'republish' | 'prunePublished'>;
  /** Whether `queue` still holds a job with this collapse id (waiting, delayed or active). */
  isQueued: (queue: QueueName, collapseId: string) => Promise<boolean>;
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

/** The jobs whose effect can be checked in Postgres, and the queue each goes to. */
const REDELIVERABLE = {
  'notification.send': QUEUE_NAMES.notifications,
  'role-sync.member': QUEUE_NAMES.roleSync,
} as const;

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
    const { outbox, isQueued, redeliverAfterMs, retentionMs, limit } = this.options;
    const lookbackMs = Math.min(retentionMs, Math.max(MIN_LOOKBACK_MS, 6 * redeliverAfterMs));
    const unconfirmed = await outbox.unconfirmedJobs({
      publishedAfter: new Date(now.getTime() - lookbackMs),
      publishedBefore: new Date(now.getTime() - redeliverAfterMs),
      maxRedeliveries: MAX_REDELIVERIES,
      limit,
    });
    const lost: string[] = [];
    for (const row of unconfirmed) {
      if (!(await this.stillQueued(row.jobName, row.payload, isQueued))) lost.push(row.id);
    }
    const republished = await outbox.republish(lost);
    const pruned = await outbox.prunePublished(new Date(now.getTime() - retentionMs));
    return { unconfirmed: unconfirmed.length, republished, pruned };
  }

  private async stillQueued(
    jobName: string,
    payload: unknown,
    isQueued: OutboxRedeliveryOptions['isQueued'],
  ): Promise<boolean> {
    if (!Object.hasOwn(REDELIVERABLE, jobName)) return true;
    const name = jobName as keyof typeof REDELIVERABLE;
    const collapseId = jobIdFor(name, parseJobPayload(name, payload));
    return collapseId !== undefined && isQueued(REDELIVERABLE[name], collapseId);
  }
}
