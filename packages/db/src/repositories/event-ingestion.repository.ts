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

/** A subscription as the batch read it, with what ingestion needs of its customer and offer. */
export interface IngestionSubscription {
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
  /** The row version read (Postgres' xmin): the write applies only if nobody changed the row since. */
  version: string;
}

/** A customer as the batch read it, with the Discord user it linked, if any. */
export interface IngestionCustomer {
  id: string;
  email: string | null;
  linkedUserId: string | null;
}

export interface MerchantKey {
  merchantId: string;
  externalId: string;
}

/** What a batch of events needs to know before it decides anything, by {@link ingestionKey}. */
export interface IngestionSnapshot {
  offers: Map<string, IngestionOffer>;
  subscriptions: Map<string, IngestionSubscription>;
  /** Body hashes of the events this merchant sent before. */
  recordedEvents: Map<string, Buffer>;
  customers: Map<string, IngestionCustomer>;
  /** The API keys asked about that are active, by {@link apiKeyOwnerKey}. */
  activeApiKeys: Set<string>;
}

/** An API key as the events of a batch were sent with it, checked by the snapshot. */
export interface IngestionApiKey {
  merchantId: string;
  keyHash: Buffer;
}

export interface IngestionSnapshotRequest {
  offers: readonly { merchantId: string; offerId: string }[];
  subscriptions: readonly MerchantKey[];
  events: readonly MerchantKey[];
  customers: readonly MerchantKey[];
  /** Checked in the same statement, so a key revoked since the request was authenticated writes nothing. */
  apiKeys: readonly IngestionApiKey[];
}

export interface EventToRecord extends MerchantKey {
  id: string;
  type: string;
  occurredAt: Date;
  bodyHash: Buffer;
  body: unknown;
  subscriptionId: string;
  /** False when the event was older than the last one applied: recorded, state unchanged. */
  applied: boolean;
}

/** Everything a batch writes. Ids of new rows are chosen by the caller, so nothing waits for them. */
export interface IngestionWrite {
  newCustomers: readonly (MerchantKey & { id: string; email: string | null })[];
  customerEmails: readonly { id: string; email: string }[];
  newSubscriptions: readonly (MerchantKey & { id: string; customerId: string; state: SubscriptionWrite })[];
  changedSubscriptions: readonly { id: string; version: string; state: SubscriptionWrite }[];
  events: readonly EventToRecord[];
  jobs: readonly NewOutboxRow[];
}

const key = (merchantId: string, externalId: string) => `${merchantId}\u0000${externalId}`;
const byKey = <T extends MerchantKey>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => (key(a.merchantId, a.externalId) < key(b.merchantId, b.externalId) ? -1 : 1));
const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

/** Raised by the write when a row the batch read changed before it wrote (SQLSTATE 40001: read again). */
export const STALE_BATCH_SQLSTATE = '40001';

/**
 * Event ingestion in bulk, in two statements per batch whatever its size: one reads all the batch needs
 * (offers, subscriptions with their row versions, events sent before, customers), one writes all of it.
 * The write is one statement, so it is atomic without a transaction around both, and it checks what the
 * read saw: a subscription changed since (its version), or a subscription, customer or event created since,
 * aborts the whole statement with SQLSTATE 40001 and the caller reads again. Rows are written in key order,
 * so concurrent batches take their locks in the same order.
 */
export class EventIngestionRepository {
  constructor(private readonly manager: EntityManager) {}

  async snapshot(request: IngestionSnapshotRequest): Promise<IngestionSnapshot> {
    const [row] = await this.manager.query<
      Array<{
        offers: IngestionOffer[];
        // JSON carries the timestamps as text.
        subscriptions: Array<
          Omit<IngestionSubscription, 'currentPeriodEnd' | 'pastDueSince' | 'lastEventAt'> & {
            currentPeriodEnd: string | null;
            pastDueSince: string | null;
            lastEventAt: string;
          }
        >;
        events: Array<{ merchantId: string; externalId: string; bodyHash: string }>;
        customers: Array<{
          merchantId: string;
          externalId: string;
          id: string;
          email: string | null;
          linkedUserId: string | null;
        }>;
        apiKeys: Array<{ merchantId: string; keyHash: string }>;
      }>
    >(
      `SELECT
         (SELECT coalesce(json_agg(json_build_object(
                   'merchantId', o.merchant_id, 'id', o.id, 'discordGuildId', o.discord_guild_id,
                   'discordRoleId', o.discord_role_id, 'gracePeriodDays', o.grace_period_days)), '[]')
            FROM unnest($1::uuid[], $2::text[]) AS wanted(merchant_id, offer_id)
            JOIN offer o ON o.merchant_id = wanted.merchant_id AND o.id::text = wanted.offer_id) AS offers,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', s.id, 'merchantId', s.merchant_id, 'externalId', s.external_id, 'customerId', s.customer_id,
                   'customerExternalId', c.external_id, 'offerId', s.offer_id, 'status', s.status,
                   'currentPeriodEnd', s.current_period_end, 'cancelAtPeriodEnd', s.cancel_at_period_end,
                   'pastDueSince', s.past_due_since, 'lastEventAt', s.last_event_at, 'lastEventId', s.last_event_id,
                   'offerGracePeriodDays', o.grace_period_days, 'offerGuildId', o.discord_guild_id,
                   'version', s.xmin::text)), '[]')
            FROM unnest($3::uuid[], $4::text[]) AS wanted(merchant_id, external_id)
            JOIN subscription s ON s.merchant_id = wanted.merchant_id AND s.external_id = wanted.external_id
            JOIN customer c ON c.id = s.customer_id
            JOIN offer o ON o.id = s.offer_id) AS subscriptions,
         (SELECT coalesce(json_agg(json_build_object(
                   'merchantId', i.merchant_id, 'externalId', i.external_id, 'bodyHash', encode(i.body_hash, 'hex'))), '[]')
            FROM unnest($5::uuid[], $6::text[]) AS wanted(merchant_id, external_id)
            JOIN inbound_event i ON i.merchant_id = wanted.merchant_id AND i.external_id = wanted.external_id) AS events,
         (SELECT coalesce(json_agg(json_build_object(
                   'merchantId', c.merchant_id, 'externalId', c.external_id, 'id', c.id, 'email', c.email,
                   'linkedUserId', l.discord_user_id)), '[]')
            FROM unnest($7::uuid[], $8::text[]) AS wanted(merchant_id, external_id)
            JOIN customer c ON c.merchant_id = wanted.merchant_id AND c.external_id = wanted.external_id
            LEFT JOIN discord_link l ON l.customer_id = c.id) AS customers,
         (SELECT coalesce(json_agg(json_build_object(
                   'merchantId', k.merchant_id, 'keyHash', encode(k.key_hash, 'hex'))), '[]')
            FROM api_key k WHERE k.key_hash = ANY($9::bytea[]) AND k.revoked_at IS NULL) AS "apiKeys"`,
      [
        request.offers.map((o) => o.merchantId),
        request.offers.map((o) => o.offerId),
        ...keyArrays(distinct(request.subscriptions)),
        ...keyArrays(distinct(request.events)),
        ...keyArrays(distinct(request.customers)),
        [...new Map(request.apiKeys.map((k) => [k.keyHash.toString('hex'), k.keyHash])).values()],
      ],
    );
    if (row === undefined) throw new Error('the ingestion snapshot returned no row');
    return {
      offers: new Map(row.offers.map((o) => [key(o.merchantId, o.id), o])),
      subscriptions: new Map(
        row.subscriptions.map((s) => [
          key(s.merchantId, s.externalId),
          {
            ...s,
            currentPeriodEnd: date(s.currentPeriodEnd),
            pastDueSince: date(s.pastDueSince),
            lastEventAt: new Date(s.lastEventAt),
          },
        ]),
      ),
      recordedEvents: new Map(
        row.events.map((e) => [key(e.merchantId, e.externalId), Buffer.from(e.bodyHash, 'hex')]),
      ),
      customers: new Map(
        row.customers.map((c) => [
          key(c.merchantId, c.externalId),
          { id: c.id, email: c.email, linkedUserId: c.linkedUserId },
        ]),
      ),
      activeApiKeys: new Set(row.apiKeys.map((k) => key(k.merchantId, k.keyHash))),
    };
  }

  /**
   * Writes a batch in one statement. Throws SQLSTATE 40001 ({@link STALE_BATCH_SQLSTATE}), having written
   * nothing, when a row the snapshot read changed or a row it did not see was created since.
   */
  async write(batch: IngestionWrite): Promise<void> {
    const newCustomers = byKey(batch.newCustomers);
    const customerEmails = [...batch.customerEmails].sort((a, b) => (a.id < b.id ? -1 : 1));
    const newSubscriptions = byKey(batch.newSubscriptions);
    const changedSubscriptions = [...batch.changedSubscriptions].sort((a, b) => (a.id < b.id ? -1 : 1));
    const events = byKey(batch.events);
    await this.manager.query(
      `WITH new_customers AS (
         INSERT INTO customer (id, merchant_id, external_id, email)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
         ON CONFLICT (merchant_id, external_id) DO NOTHING
         RETURNING 1),
       customer_emails AS (
         UPDATE customer c SET email = u.email, updated_at = now()
           FROM unnest($5::uuid[], $6::text[]) AS u(id, email)
          WHERE c.id = u.id AND c.email IS DISTINCT FROM u.email),
       new_subscriptions AS (
         INSERT INTO subscription (id, merchant_id, external_id, customer_id, offer_id, status, current_period_end,
                                   cancel_at_period_end, past_due_since, access_ends_at, last_event_at, last_event_id)
         SELECT * FROM unnest($7::uuid[], $8::uuid[], $9::text[], $10::uuid[], $11::uuid[], $12::text[],
                              $13::timestamptz[], $14::boolean[], $15::timestamptz[], $16::timestamptz[],
                              $17::timestamptz[], $18::text[])
         ON CONFLICT (merchant_id, external_id) DO NOTHING
         RETURNING 1),
       changed_subscriptions AS (
         UPDATE subscription s
            SET offer_id = u.offer_id, status = u.status, current_period_end = u.current_period_end,
                cancel_at_period_end = u.cancel_at_period_end, past_due_since = u.past_due_since,
                access_ends_at = u.access_ends_at, last_event_at = u.last_event_at, last_event_id = u.last_event_id,
                updated_at = now()
           FROM unnest($19::uuid[], $20::text[], $21::uuid[], $22::text[], $23::timestamptz[], $24::boolean[],
                       $25::timestamptz[], $26::timestamptz[], $27::timestamptz[], $28::text[])
                AS u(id, version, offer_id, status, current_period_end, cancel_at_period_end, past_due_since,
                     access_ends_at, last_event_at, last_event_id)
          WHERE s.id = u.id AND s.xmin::text = u.version
          RETURNING 1),
       events AS (
         INSERT INTO inbound_event (id, merchant_id, external_id, type, occurred_at, body_hash, body,
                                    subscription_id, applied)
         SELECT * FROM unnest($29::uuid[], $30::uuid[], $31::text[], $32::text[], $33::timestamptz[], $34::bytea[],
                              $35::jsonb[], $36::uuid[], $37::boolean[])
         ON CONFLICT (merchant_id, external_id) DO NOTHING
         RETURNING 1),
       jobs AS (
         INSERT INTO outbox (job_name, payload) SELECT * FROM unnest($38::text[], $39::jsonb[]))
       SELECT CASE WHEN (SELECT count(*) FROM new_customers) <> $40
                     OR (SELECT count(*) FROM new_subscriptions) <> $41
                     OR (SELECT count(*) FROM changed_subscriptions) <> $42
                     OR (SELECT count(*) FROM events) <> $43
                   THEN ingestion_batch_stale() ELSE true END AS written`,
      [
        newCustomers.map((c) => c.id),
        ...keyArrays(newCustomers),
        newCustomers.map((c) => c.email),
        customerEmails.map((c) => c.id),
        customerEmails.map((c) => c.email),
        newSubscriptions.map((s) => s.id),
        ...keyArrays(newSubscriptions),
        newSubscriptions.map((s) => s.customerId),
        ...stateArrays(newSubscriptions.map((s) => s.state)),
        changedSubscriptions.map((s) => s.id),
        changedSubscriptions.map((s) => s.version),
        ...stateArrays(changedSubscriptions.map((s) => s.state)),
        events.map((e) => e.id),
        ...keyArrays(events),
        events.map((e) => e.type),
        events.map((e) => e.occurredAt),
        events.map((e) => e.bodyHash),
        events.map((e) => JSON.stringify(e.body)),
        events.map((e) => e.subscriptionId),
        events.map((e) => e.applied),
        batch.jobs.map((job) => job.jobName),
        batch.jobs.map((job) => JSON.stringify(job.payload)),
        newCustomers.length,
        newSubscriptions.length,
        changedSubscriptions.length,
        events.length,
      ],
    );
  }
}

/** Each key once: a batch often names one subscription or customer many times. */
function distinct(keys: readonly MerchantKey[]): MerchantKey[] {
  return [...new Map(keys.map((k) => [key(k.merchantId, k.externalId), k])).values()];
}

function keyArrays(keys: readonly MerchantKey[]): [string[], string[]] {
  return [keys.map((k) => k.merchantId), keys.map((k) => k.externalId)];
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

/** The key of {@link IngestionSnapshot.activeApiKeys} for an API key of a merchant. */
export function apiKeyOwnerKey(apiKey: IngestionApiKey): string {
  return key(apiKey.merchantId, apiKey.keyHash.toString('hex'));
}

/** The key the maps of this repository use for a (merchant, external id). */
export function ingestionKey(merchantId: string, externalId: string): string {
  return key(merchantId, externalId);
}
