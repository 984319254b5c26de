import type { EntityManager } from 'typeorm';
import type { SubscriptionStatus } from '@inflow/contracts';
import type { NewOutboxRow } from './outbox.repository';

export interface IngestedEventInput {
  merchantId: string;
  externalId: string;
  type: string;
  occurredAt: Date;
  bodyHash: Buffer;
  body: unknown;
  offerId: string;
  customerExternalId: string;
  customerEmail: string | null;
  subscriptionExternalId: string;
}

export interface IngestionOffer {
  id: string;
  discordGuildId: string | null;
  discordRoleId: string | null;
  gracePeriodDays: number;
}

export interface LockedSubscription {
  id: string;
  customerId: string;
  offerId: string;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  lastEventAt: Date;
  lastEventId: string;
  /** The grace period of the subscription's current offer (to recompute its end of access). */
  offerGracePeriodDays: number;
  offerGuildId: string | null;
}

/** What the first statement of an ingestion found. */
export type OpenedEvent =
  | { kind: 'unknown-offer' }
  | { kind: 'duplicate'; bodyHash: Buffer }
  | {
      kind: 'new';
      inboundEventId: string;
      customerId: string;
      offer: IngestionOffer;
      /** The subscription, locked for this transaction; null when it does not exist yet. */
      subscription: LockedSubscription | null;
      discordUserId: string | null;
    };

interface OpenRow {
  offer: {
    id: string;
    discord_guild_id: string | null;
    discord_role_id: string | null;
    grace_period_days: number;
  } | null;
  event_id: string | null;
  customer_id: string | null;
  existing_hash: Buffer | null;
  subscription: {
    id: string;
    customer_id: string;
    offer_id: string;
    status: SubscriptionStatus;
    current_period_end: string | null;
    cancel_at_period_end: boolean;
    past_due_since: string | null;
    last_event_at: string;
    last_event_id: string;
    grace_period_days: number;
    discord_guild_id: string | null;
  } | null;
  discord_user_id: string | null;
}

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * The event ingestion's writes, shaped for few round trips on the API's hottest path: one statement
 * records the event, upserts the customer and locks the subscription; one writes the subscription; one
 * records the outcome and the outbox rows. All within the caller's transaction.
 */
export class EventIngestionRepository {
  constructor(private readonly manager: EntityManager) {}

  async open(input: IngestedEventInput): Promise<OpenedEvent> {
    const params = [
      input.merchantId,
      input.offerId,
      input.externalId,
      input.type,
      input.occurredAt,
      input.bodyHash,
      JSON.stringify(input.body),
      input.customerExternalId,
      input.customerEmail,
      input.subscriptionExternalId,
    ];
    const rows = await this.manager.query<OpenRow[]>(
      `WITH offer_row AS (
         SELECT id, discord_guild_id, discord_role_id, grace_period_days FROM offer WHERE merchant_id = $1 AND id = $2::uuid
       ), event_row AS (
         INSERT INTO inbound_event (merchant_id, external_id, type, occurred_at, body_hash, body, applied)
         SELECT $1, $3, $4, $5, $6, $7::jsonb, false WHERE EXISTS (SELECT 1 FROM offer_row)
         ON CONFLICT (merchant_id, external_id) DO NOTHING
         RETURNING id
       ), customer_row AS (
         INSERT INTO customer (merchant_id, external_id, email)
         SELECT $1, $8, $9 WHERE EXISTS (SELECT 1 FROM event_row)
         ON CONFLICT (merchant_id, external_id) DO UPDATE
            SET email = COALESCE(EXCLUDED.email, customer.email),
                updated_at = CASE WHEN EXCLUDED.email IS NOT NULL AND EXCLUDED.email IS DISTINCT FROM customer.email
                                  THEN now() ELSE customer.updated_at END
         RETURNING id
       ), subscription_row AS (
         SELECT s.id, s.customer_id, s.offer_id, s.status, s.current_period_end, s.cancel_at_period_end, s.past_due_since,
                s.last_event_at, s.last_event_id, o.grace_period_days, o.discord_guild_id
           FROM subscription s JOIN offer o ON o.id = s.offer_id
          WHERE s.merchant_id = $1 AND s.external_id = $10 AND EXISTS (SELECT 1 FROM event_row)
            FOR UPDATE OF s
       )
       SELECT (SELECT row_to_json(offer_row) FROM offer_row) AS offer,
              (SELECT id FROM event_row) AS event_id,
              (SELECT id FROM customer_row) AS customer_id,
              (SELECT body_hash FROM inbound_event WHERE merchant_id = $1 AND external_id = $3) AS existing_hash,
              (SELECT row_to_json(subscription_row) FROM subscription_row) AS subscription,
              (SELECT l.discord_user_id FROM discord_link l
                WHERE l.customer_id = (SELECT id FROM customer_row)) AS discord_user_id`,
      params,
    );
    const row = rows[0]!;
    if (row.offer === null) return { kind: 'unknown-offer' };
    if (row.event_id === null) {
      // The event was there already. When a concurrent request recorded it after this statement's
      // snapshot, its row was not visible above: read it now that it is committed.
      const hash = row.existing_hash ?? (await this.existingHash(input.merchantId, input.externalId));
      return { kind: 'duplicate', bodyHash: hash };
    }
    const s = row.subscription;
    return {
      kind: 'new',
      inboundEventId: row.event_id,
      customerId: row.customer_id!,
      offer: {
        id: row.offer.id,
        discordGuildId: row.offer.discord_guild_id,
        discordRoleId: row.offer.discord_role_id,
        gracePeriodDays: row.offer.grace_period_days,
      },
      subscription:
        s === null
          ? null
          : {
              id: s.id,
              customerId: s.customer_id,
              offerId: s.offer_id,
              status: s.status,
              currentPeriodEnd: date(s.current_period_end),
              cancelAtPeriodEnd: s.cancel_at_period_end,
              pastDueSince: date(s.past_due_since),
              lastEventAt: new Date(s.last_event_at),
              lastEventId: s.last_event_id,
              offerGracePeriodDays: s.grace_period_days,
              offerGuildId: s.discord_guild_id,
            },
      discordUserId: row.discord_user_id,
    };
  }

  private async existingHash(merchantId: string, externalId: string): Promise<Buffer> {
    const rows = await this.manager.query<Array<{ body_hash: Buffer }>>(
      `SELECT body_hash FROM inbound_event WHERE merchant_id = $1 AND external_id = $2`,
      [merchantId, externalId],
    );
    if (rows[0] === undefined) throw new Error(`inbound event ${externalId} neither inserted nor found`);
    return rows[0].body_hash;
  }

  /** Records the event's outcome and the jobs it needs, in one statement. */
  async finish(
    inboundEventId: string,
    subscriptionId: string,
    applied: boolean,
    jobs: readonly NewOutboxRow[],
  ): Promise<void> {
    await this.manager.query(
      `WITH outcome AS (UPDATE inbound_event SET subscription_id = $2, applied = $3 WHERE id = $1 RETURNING 1)
       INSERT INTO outbox (job_name, payload)
       SELECT * FROM unnest($4::text[], $5::jsonb[]) WHERE EXISTS (SELECT 1 FROM outcome)`,
      [
        inboundEventId,
        subscriptionId,
        applied,
        jobs.map((job) => job.jobName),
        jobs.map((job) => JSON.stringify(job.payload)),
      ],
    );
  }
}
