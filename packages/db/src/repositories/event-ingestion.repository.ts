import type { EntityManager } from 'typeorm';
import type { SubscriptionStatus } from '@inflow/contracts';
import type { NewOutboxRow } from './outbox.repository';
import type { SubscriptionWrite } from './subscription.repository';

/** A merchant's offer as event ingestion needs it. */
export interface IngestionOffer {
  merchantId: string;
  id: string;
  discordGuildId: string | null;
  discordRoleId: string | null;
  gracePeriodDays: number;
}

/** A subscription locked for the batch's transaction, with what ingestion needs of its customer and offer. */
export interface LockedSubscription {
  id: string;
  merchantId: string;
  externalId: string;
  customerId: string;
  customerExternalId: string;
  offerId: string;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  lastEventAt: Date;
  lastEventId: string;
  offerGracePeriodDays: number;
  offerGuildId: string | null;
}

export interface EventToRecord {
  merchantId: string;
  externalId: string;
  type: string;
  occurredAt: Date;
  bodyHash: Buffer;
  body: unknown;
}

export interface MerchantKey {
  merchantId: string;
  externalId: string;
}

const key = (merchantId: string, externalId: string) => `${merchantId}\u0000${externalId}`;

/**
 * Event ingestion in bulk: each method is one statement for a whole batch of events, so that a batch of
 * any size costs the same handful of round trips. Rows are written in key order, so concurrent batches
 * take their locks in the same order and cannot deadlock on them. All within the caller's transaction.
 */
export class EventIngestionRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The offers named, by merchant and id (ids that are not uuids simply match nothing). */
  async offers(
    pairs: readonly { merchantId: string; offerId: string }[],
  ): Promise<Map<string, IngestionOffer>> {
    const rows = await this.manager.query<
      Array<{
        merchant_id: string;
        id: string;
        discord_guild_id: string | null;
        discord_role_id: string | null;
        grace_period_days: number;
      }>
    >(
      `SELECT o.merchant_id, o.id, o.discord_guild_id, o.discord_role_id, o.grace_period_days
         FROM unnest($1::uuid[], $2::text[]) AS wanted(merchant_id, offer_id)
         JOIN offer o ON o.merchant_id = wanted.merchant_id
                     AND o.id::text = wanted.offer_id`,
      [pairs.map((p) => p.merchantId), pairs.map((p) => p.offerId)],
    );
    return new Map(
      rows.map((row) => [
        key(row.merchant_id, row.id),
        {
          merchantId: row.merchant_id,
          id: row.id,
          discordGuildId: row.discord_guild_id,
          discordRoleId: row.discord_role_id,
          gracePeriodDays: row.grace_period_days,
        },
      ]),
    );
  }

  /** Locks the subscriptions named (those that exist), in key order. */
  async lockSubscriptions(keys: readonly MerchantKey[]): Promise<Map<string, LockedSubscription>> {
    const sorted = [...keys].sort((a, b) =>
      key(a.merchantId, a.externalId) < key(b.merchantId, b.externalId) ? -1 : 1,
    );
    const rows = await this.manager.query<
      Array<{
        id: string;
        merchant_id: string;
        external_id: string;
        customer_id: string;
        customer_external_id: string;
        offer_id: string;
        status: SubscriptionStatus;
        current_period_end: Date | null;
        cancel_at_period_end: boolean;
        past_due_since: Date | null;
        last_event_at: Date;
        last_event_id: string;
        grace_period_days: number;
        discord_guild_id: string | null;
      }>
    >(
      `SELECT s.id, s.merchant_id, s.external_id, s.customer_id, c.external_id AS customer_external_id, s.offer_id, s.status,
              s.current_period_end, s.cancel_at_period_end, s.past_due_since, s.last_event_at, s.last_event_id,
              o.grace_period_days, o.discord_guild_id
         FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS wanted(merchant_id, external_id, n)
         JOIN subscription s ON s.merchant_id = wanted.merchant_id AND s.external_id = wanted.external_id
         JOIN customer c ON c.id = s.customer_id
         JOIN offer o ON o.id = s.offer_id
        ORDER BY wanted.n
          FOR UPDATE OF s`,
      [sorted.map((k) => k.merchantId), sorted.map((k) => k.externalId)],
    );
    return new Map(
      rows.map((row) => [
        key(row.merchant_id, row.external_id),
        {
          id: row.id,
          merchantId: row.merchant_id,
          externalId: row.external_id,
          customerId: row.customer_id,
          customerExternalId: row.customer_external_id,
          offerId: row.offer_id,
          status: row.status,
          currentPeriodEnd: row.current_period_end,
          cancelAtPeriodEnd: row.cancel_at_period_end,
          pastDueSince: row.past_due_since,
          lastEventAt: row.last_event_at,
          lastEventId: row.last_event_id,
          offerGracePeriodDays: row.grace_period_days,
          offerGuildId: row.discord_guild_id,
        },
      ]),
    );
  }

  /**
   * Records the events that are new; returns the ids of those recorded, by key. An event this merchant
   * sent before is not recorded again: `existing` gives its stored body hash.
   */
  async recordEvents(
    events: readonly EventToRecord[],
  ): Promise<{ recorded: Map<string, string>; existing: Map<string, Buffer> }> {
    const sorted = [...events].sort((a, b) =>
      key(a.merchantId, a.externalId) < key(b.merchantId, b.externalId) ? -1 : 1,
    );
    const inserted = await this.manager.query<
      Array<{ merchant_id: string; external_id: string; id: string }>
    >(
      `INSERT INTO inbound_event (merchant_id, external_id, type, occurred_at, body_hash, body, applied)
       SELECT merchant_id, external_id, type, occurred_at, body_hash, body, false
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bytea[], $6::jsonb[])
              AS e(merchant_id, external_id, type, occurred_at, body_hash, body)
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING merchant_id, external_id, id`,
      [
        sorted.map((e) => e.merchantId),
        sorted.map((e) => e.externalId),
        sorted.map((e) => e.type),
        sorted.map((e) => e.occurredAt),
        sorted.map((e) => e.bodyHash),
        sorted.map((e) => JSON.stringify(e.body)),
      ],
    );
    const recorded = new Map(inserted.map((row) => [key(row.merchant_id, row.external_id), row.id]));
    const missing = sorted.filter((e) => !recorded.has(key(e.merchantId, e.externalId)));
    const existing = new Map<string, Buffer>();
    if (missing.length > 0) {
      // Recorded before, possibly by a transaction that committed after this statement's snapshot began:
      // this separate statement sees it.
      const rows = await this.manager.query<
        Array<{ merchant_id: string; external_id: string; body_hash: Buffer }>
      >(
        `SELECT i.merchant_id, i.external_id, i.body_hash
           FROM unnest($1::uuid[], $2::text[]) AS wanted(merchant_id, external_id)
           JOIN inbound_event i ON i.merchant_id = wanted.merchant_id AND i.external_id = wanted.external_id`,
        [missing.map((e) => e.merchantId), missing.map((e) => e.externalId)],
      );
      for (const row of rows) existing.set(key(row.merchant_id, row.external_id), row.body_hash);
    }
    return { recorded, existing };
  }

  /**
   * Creates or updates the customers named (a later e-mail replaces an earlier one; none keeps it). Returns
   * each one's id and the Discord user it linked, if any, in the same round trip.
   */
  async upsertCustomers(
    customers: readonly (MerchantKey & { email: string | null })[],
  ): Promise<Map<string, { id: string; linkedUserId: string | null }>> {
    const sorted = [...customers].sort((a, b) =>
      key(a.merchantId, a.externalId) < key(b.merchantId, b.externalId) ? -1 : 1,
    );
    const rows = await this.manager.query<
      Array<{ merchant_id: string; external_id: string; id: string; discord_user_id: string | null }>
    >(
      `WITH upserted AS (
         INSERT INTO customer (merchant_id, external_id, email)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
         ON CONFLICT (merchant_id, external_id) DO UPDATE
            SET email = COALESCE(EXCLUDED.email, customer.email),
                updated_at = CASE WHEN EXCLUDED.email IS NOT NULL AND EXCLUDED.email IS DISTINCT FROM customer.email
                                  THEN now() ELSE customer.updated_at END
         RETURNING merchant_id, external_id, id)
       SELECT u.merchant_id, u.external_id, u.id, l.discord_user_id
         FROM upserted u
         LEFT JOIN discord_link l ON l.customer_id = u.id`,
      [sorted.map((c) => c.merchantId), sorted.map((c) => c.externalId), sorted.map((c) => c.email)],
    );
    return new Map(
      rows.map((row) => [
        key(row.merchant_id, row.external_id),
        { id: row.id, linkedUserId: row.discord_user_id },
      ]),
    );
  }

  /**
   * Creates subscriptions and writes the new state of existing ones (locked by this transaction), in one
   * statement. Returns the ids of those created by key; a key that exists by now is left alone and
   * missing from the result.
   */
  async writeSubscriptions(
    inserts: readonly (MerchantKey & { customerId: string; state: SubscriptionWrite })[],
    updates: readonly { id: string; state: SubscriptionWrite }[],
  ): Promise<Map<string, string>> {
    if (inserts.length === 0 && updates.length === 0) return new Map();
    const sorted = [...inserts].sort((a, b) =>
      key(a.merchantId, a.externalId) < key(b.merchantId, b.externalId) ? -1 : 1,
    );
    const inserted = await this.manager.query<
      Array<{ merchant_id: string; external_id: string; id: string }>
    >(
      `WITH updated AS (
         UPDATE subscription s
            SET offer_id = u.offer_id, status = u.status, current_period_end = u.current_period_end,
                cancel_at_period_end = u.cancel_at_period_end, past_due_since = u.past_due_since,
                access_ends_at = u.access_ends_at, last_event_at = u.last_event_at, last_event_id = u.last_event_id,
                updated_at = now()
           FROM unnest($12::uuid[], $13::uuid[], $14::text[], $15::timestamptz[], $16::boolean[], $17::timestamptz[],
                       $18::timestamptz[], $19::timestamptz[], $20::text[])
                AS u(id, offer_id, status, current_period_end, cancel_at_period_end, past_due_since, access_ends_at,
                     last_event_at, last_event_id)
          WHERE s.id = u.id
          RETURNING 1)
       INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, current_period_end,
                                 cancel_at_period_end, past_due_since, access_ends_at, last_event_at, last_event_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::boolean[],
                            $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[])
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING merchant_id, external_id, id`,
      [
        sorted.map((r) => r.merchantId),
        sorted.map((r) => r.externalId),
        sorted.map((r) => r.customerId),
        ...stateArrays(sorted.map((r) => r.state)),
        updates.map((r) => r.id),
        ...stateArrays(updates.map((r) => r.state)),
      ],
    );
    return new Map(inserted.map((row) => [key(row.merchant_id, row.external_id), row.id]));
  }

  /** Records each event's outcome and writes the jobs they need, in one statement. */
  async finish(
    outcomes: readonly { inboundEventId: string; subscriptionId: string; applied: boolean }[],
    jobs: readonly NewOutboxRow[],
  ): Promise<void> {
    await this.manager.query(
      `WITH outcome AS (
         UPDATE inbound_event i SET subscription_id = o.subscription_id, applied = o.applied
           FROM unnest($1::uuid[], $2::uuid[], $3::boolean[]) AS o(id, subscription_id, applied)
          WHERE i.id = o.id
          RETURNING 1)
       INSERT INTO outbox (job_name, payload)
       SELECT * FROM unnest($4::text[], $5::jsonb[])`,
      [
        outcomes.map((o) => o.inboundEventId),
        outcomes.map((o) => o.subscriptionId),
        outcomes.map((o) => o.applied),
        jobs.map((job) => job.jobName),
        jobs.map((job) => JSON.stringify(job.payload)),
      ],
    );
  }
}

/** Subscription states as the column arrays offer_id … last_event_id for unnest. */
function stateArrays(states: readonly SubscriptionWrite[]): unknown[] {
  return [
    states.map((s) => s.offerId),
    states.map((s) => s.status),
    states.map((s) => s.currentPeriodEnd),
    states.map((s) => s.cancelAtPeriodEnd),
    states.map((s) => s.pastDueSince),
    states.map((s) => s.accessEndsAt),
    states.map((s) => s.lastEventAt),
    states.map((s) => s.lastEventId),
  ];
}

/** The key the maps of this repository use for a (merchant, external id). */
export function ingestionKey(merchantId: string, externalId: string): string {
  return key(merchantId, externalId);
}
