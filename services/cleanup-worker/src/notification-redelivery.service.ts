import { jobIdFor } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import { parseJobPayload } from '@inflow/queue';

export interface NotificationRedeliveryOptions {
  outbox: Pick<Repositories['outbox'], 'unconfirmedNotifications' | 'republish' | 'prunePublished'>;
  /** Whether the notifications queue still holds a job with this collapse id (waiting, delayed or active). */
  isQueued: (collapseId: string) => Promise<boolean>;
  /** A notification published this long ago with no outcome, and no job in the queue, was lost. */
  redeliverAfterMs: number;
  /** Published outbox rows older than this are deleted. */
  retentionMs: number;
  /** The most rows looked at per run. */
  limit: number;
}

export interface RedeliveryResult {
  /** Published notifications without an outcome, old enough to be suspect. */
  unconfirmed: number;
  /** Of those, the ones whose job was no longer queued: handed back to the relay. */
  republished: number;
  /** Published rows deleted after the retention. */
  pruned: number;
}

/** How often one outbox row may be published again; a job that keeps vanishing is not chased forever. */
export const MAX_REDELIVERIES = 3;

/**
 * Makes notifications survive a Redis that lost its data. The relay marks an outbox row published once
 * BullMQ took the job; if Redis then loses the job (FLUSHALL, a restart without persistence), nothing
 * else would post it. A notification published long enough ago, with neither an outcome in
 * notification_delivery nor a job left in the queue, goes back to the relay, which publishes it again;
 * the delivery ledger and Discord's nonce keep it from being posted twice. Also prunes the outbox.
 */
export class NotificationRedeliveryService {
  constructor(private readonly options: NotificationRedeliveryOptions) {}

  async run(now: Date): Promise<RedeliveryResult> {
    const { outbox, isQueued, redeliverAfterMs, retentionMs, limit } = this.options;
    const retainedFrom = new Date(now.getTime() - retentionMs);
    const unconfirmed = await outbox.unconfirmedNotifications({
      publishedAfter: retainedFrom,
      publishedBefore: new Date(now.getTime() - redeliverAfterMs),
      maxRedeliveries: MAX_REDELIVERIES,
      limit,
    });
    const lost: string[] = [];
    for (const row of unconfirmed) {
      const collapseId = jobIdFor('notification.send', parseJobPayload('notification.send', row.payload));
      if (collapseId === undefined || !(await isQueued(collapseId))) lost.push(row.id);
    }
    const republished = await outbox.republish(lost);
    const pruned = await outbox.prunePublished(retainedFrom);
    return { unconfirmed: unconfirmed.length, republished, pruned };
  }
}
