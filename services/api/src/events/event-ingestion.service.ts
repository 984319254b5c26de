import {
  accessEndsAt,
  applySubscriptionEvent,
  type MerchantEvent,
  type MerchantEventType,
  type SubscriptionEventFacts,
  type SubscriptionState,
} from '@inflow/contracts';
import { randomUUID } from 'node:crypto';
import {
  apiKeyOwnerKey,
  ingestionKey,
  STALE_BATCH_SQLSTATE,
  type Database,
  type IngestionApiKey,
  type IngestionSnapshot,
  type IngestionWrite,
  type MerchantKey,
  type NewOutboxRow,
  type SubscriptionWrite,
} from '@inflow/db';
import { unknownOrRevokedKey } from '../auth/api-key';
import { problems, type ProblemError } from '../http/problem';
import { canonicalHash } from './canonical-hash';

export interface IngestResult {
  /** 202 when this call recorded the event, 200 when the same event had been recorded before. */
  status: 200 | 202;
  body: { id: string; status: 'accepted' };
}

export interface EventIngestionOptions {
  /** Events written in one batch at most. Default 100. */
  maxBatch?: number;
  /**
   * Batches in flight at once. Default 1: the next batch gathers while one is written, so a loaded api
   * writes fewer, larger batches, and batches of one api never race each other for the same rows.
   */
  maxInFlight?: number;
}

/** Events that post a notification to the guild of the subscription's offer. */
const NOTIFYING_EVENTS: ReadonlySet<MerchantEventType> = new Set([
  'payment.succeeded',
  'payment.failed',
  'subscription.created',
  'subscription.canceled',
]);

/** Postgres errors worth running the same batch again for: deadlock; rows changed since the batch read them. */
const TRANSIENT_SQLSTATES = new Set(['40P01', STALE_BATCH_SQLSTATE]);

interface Submission {
  merchantId: string;
  apiKey: IngestionApiKey;
  event: MerchantEvent;
  bodyHash: Buffer;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/** Tries of one batch when rows change under it, before it is split into single events. */
const MAX_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = { status: 200 | 202 } | { problem: ProblemError };

/** A subscription as the batch sees it while applying its events in order. */
interface Tracked extends MerchantKey {
  /** Chosen by the api for a subscription this batch creates. */
  id: string;
  /** The row version read; null for a subscription this batch creates. */
  version: string | null;
  customerId: string;
  offerId: string;
  offerGuildId: string | null;
  offerGracePeriodDays: number;
  state: SubscriptionState;
  changed: boolean;
}

const unknownOffer = () =>
  problems.unprocessable(
    'The subscription names an offer you do not have.',
    [{ pointer: '/subscription/offerId', detail: 'is not one of your offers' }],
    'unknown-offer',
  );

const customerMismatch = (subscriptionId: string) =>
  problems.unprocessable(
    `Subscription ${subscriptionId} belongs to another customer.`,
    [{ pointer: '/subscription/customer/id', detail: 'differs from the customer of this subscription' }],
    'customer-mismatch',
  );

function factsOf(event: MerchantEvent): SubscriptionEventFacts {
  return {
    eventId: event.id,
    occurredAt: new Date(event.occurredAt),
    status: event.subscription.status,
    currentPeriodEnd:
      event.subscription.currentPeriodEnd == null ? null : new Date(event.subscription.currentPeriodEnd),
    cancelAtPeriodEnd: event.subscription.cancelAtPeriodEnd,
  };
}

function write(state: SubscriptionState, offerId: string, gracePeriodDays: number): SubscriptionWrite {
  return { ...state, offerId, accessEndsAt: accessEndsAt(state, { gracePeriodDays, discordRoleId: null }) };
}

/**
 * Takes merchant events: records each, applies it to its subscription unless it is older than the last
 * applied one, and writes the jobs it needs (role sync, notification) to the outbox, all at once.
 * Idempotent by event id: the same body again answers the same, a different body 409.
 *
 * Events arriving together share a batch (group commit): while `maxInFlight` batches run, new events
 * wait and then go in the next one. A batch costs two statements however many events it holds: one reads
 * what it needs, one writes everything, atomically, unless a row it read changed meanwhile (another api
 * replica): then nothing is written and the batch runs again. An idle api sends each event on at once, so
 * batching adds no latency; a loaded one spends a commit on many events. A batch that keeps failing is
 * split, so one bad event never fails its neighbours.
 */
export class EventIngestionService {
  private readonly waiting: Submission[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly db: Database,
    private readonly outboxWritten: () => void,
    options: EventIngestionOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  /**
   * Ingests an event sent with `apiKey`. The batch's read checks that the key is still active: a key revoked
   * after the request was authenticated gets 401 and writes nothing.
   */
  ingest(apiKey: IngestionApiKey, event: MerchantEvent): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      const { merchantId } = apiKey;
      this.waiting.push({ merchantId, apiKey, event, bodyHash: canonicalHash(event), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.settle(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** Runs a batch (retrying transient failures), answers each event; splits a batch that keeps failing. */
  private async settle(batch: Submission[]): Promise<void> {
    let outcomes: Map<Submission, Outcome> | undefined;
    for (let attempt = 1; outcomes === undefined; attempt += 1) {
      try {
        outcomes = await this.process(batch);
      } catch (error) {
        if (TRANSIENT_SQLSTATES.has(sqlState(error) ?? '') && attempt < MAX_ATTEMPTS) {
          // Another api wrote the same rows: let it finish before reading them again.
          await sleep(Math.random() * 5 * attempt);
          continue;
        }
        if (batch.length > 1) {
          for (const one of batch) await this.settle([one]);
          return;
        }
        batch[0]?.reject(error);
        return;
      }
    }
    if ([...outcomes.values()].some((outcome) => 'status' in outcome && outcome.status === 202))
      this.outboxWritten();
    for (const submission of batch) {
      const outcome = outcomes.get(submission)!;
      if ('problem' in outcome) submission.reject(outcome.problem);
      else
        submission.resolve({ status: outcome.status, body: { id: submission.event.id, status: 'accepted' } });
    }
  }

  private async process(batch: readonly Submission[]): Promise<Map<Submission, Outcome>> {
    const outcomes = new Map<Submission, Outcome>();
    // The same event id twice in one batch: the first is processed, the others answer like a retry.
    const firsts = new Map<string, Submission>();
    for (const submission of batch) {
      const id = ingestionKey(submission.merchantId, submission.event.id);
      if (!firsts.has(id)) firsts.set(id, submission);
    }
    const primaries = [...firsts.values()];
    const keyOf = (s: Submission, externalId: string) => ({ merchantId: s.merchantId, externalId });
    const snapshot = await this.db.repositories.eventIngestion.snapshot({
      offers: primaries.map((s) => ({ merchantId: s.merchantId, offerId: s.event.subscription.offerId })),
      subscriptions: primaries.map((s) => keyOf(s, s.event.subscription.id)),
      events: primaries.map((s) => keyOf(s, s.event.id)),
      customers: primaries.map((s) => keyOf(s, s.event.subscription.customer.id)),
      apiKeys: batch.map((s) => s.apiKey),
    });
    // An event sent with a key revoked since its request was authenticated writes nothing, duplicate or not.
    for (const s of batch) {
      if (!snapshot.activeApiKeys.has(apiKeyOwnerKey(s.apiKey)))
        outcomes.set(s, { problem: unknownOrRevokedKey() });
    }

    const valid = primaries.filter((s) => {
      if (outcomes.has(s)) return false;
      if (snapshot.offers.has(ingestionKey(s.merchantId, s.event.subscription.offerId))) return true;
      outcomes.set(s, { problem: unknownOffer() });
      return false;
    });
    // A subscription belongs to one customer: refuse an event naming another, before writing anything for it.
    const owner = new Map<string, string>(
      [...snapshot.subscriptions].map(([k, sub]) => [k, sub.customerExternalId]),
    );
    const consistent = valid.filter((s) => {
      const subscriptionKey = ingestionKey(s.merchantId, s.event.subscription.id);
      const current = owner.get(subscriptionKey);
      if (current === undefined) owner.set(subscriptionKey, s.event.subscription.customer.id);
      else if (current !== s.event.subscription.customer.id) {
        outcomes.set(s, { problem: customerMismatch(s.event.subscription.id) });
        return false;
      }
      return true;
    });
    const fresh = consistent.filter((s) => {
      const hash = snapshot.recordedEvents.get(ingestionKey(s.merchantId, s.event.id));
      if (hash === undefined) return true;
      outcomes.set(s, hash.equals(s.bodyHash) ? { status: 200 } : { problem: eventIdReused(s.event.id) });
      return false;
    });
    if (fresh.length > 0) await this.db.repositories.eventIngestion.write(plan(fresh, snapshot));
    for (const s of fresh) outcomes.set(s, { status: 202 });

    for (const submission of batch) {
      if (outcomes.has(submission)) continue;
      const first = firsts.get(ingestionKey(submission.merchantId, submission.event.id))!;
      const firstOutcome = outcomes.get(first)!;
      outcomes.set(
        submission,
        'problem' in firstOutcome
          ? firstOutcome
          : submission.bodyHash.equals(first.bodyHash)
            ? { status: 200 }
            : { problem: eventIdReused(submission.event.id) },
      );
    }
    return outcomes;
  }
}

/**
 * What a batch's new events write: each applied, in arrival order, to its subscription as the snapshot
 * read it (or as an earlier event of the batch left it); the customers and subscriptions they create; the
 * jobs they need (role sync, notification).
 */
function plan(events: readonly Submission[], snapshot: IngestionSnapshot): IngestionWrite {
  const customerKey = (s: Submission) => ingestionKey(s.merchantId, s.event.subscription.customer.id);
  const subscriptionKey = (s: Submission) => ingestionKey(s.merchantId, s.event.subscription.id);
  const offerOf = (s: Submission) =>
    snapshot.offers.get(ingestionKey(s.merchantId, s.event.subscription.offerId))!;

  // A later e-mail replaces an earlier one; an event without one keeps it.
  const latestEmail = new Map<string, string | null>();
  for (const s of events) {
    const email = s.event.subscription.customer.email ?? null;
    if (email !== null || !latestEmail.has(customerKey(s))) latestEmail.set(customerKey(s), email);
  }
  const customerIds = new Map<string, string>();
  const newCustomers: IngestionWrite['newCustomers'][number][] = [];
  const customerEmails: IngestionWrite['customerEmails'][number][] = [];
  for (const s of events) {
    const k = customerKey(s);
    if (customerIds.has(k)) continue;
    const known = snapshot.customers.get(k);
    const email = latestEmail.get(k) ?? null;
    if (known === undefined) {
      const id = randomUUID();
      newCustomers.push({
        id,
        merchantId: s.merchantId,
        externalId: s.event.subscription.customer.id,
        email,
      });
      customerIds.set(k, id);
    } else {
      if (email !== null && email !== known.email) customerEmails.push({ id: known.id, email });
      customerIds.set(k, known.id);
    }
  }

  const tracked = new Map<string, Tracked>();
  const perEvent: Array<{ submission: Submission; applied: boolean; guilds: string[] }> = [];
  for (const s of events) {
    const subKey = subscriptionKey(s);
    const offer = offerOf(s);
    const facts = factsOf(s.event);
    let current = tracked.get(subKey);
    if (current === undefined) {
      const row = snapshot.subscriptions.get(subKey);
      if (row !== undefined) {
        current = {
          id: row.id,
          merchantId: row.merchantId,
          externalId: row.externalId,
          version: row.version,
          customerId: row.customerId,
          offerId: row.offerId,
          offerGuildId: row.offerGuildId,
          offerGracePeriodDays: row.offerGracePeriodDays,
          state: {
            status: row.status,
            currentPeriodEnd: row.currentPeriodEnd,
            cancelAtPeriodEnd: row.cancelAtPeriodEnd,
            pastDueSince: row.pastDueSince,
            lastEventAt: row.lastEventAt,
            lastEventId: row.lastEventId,
          },
          changed: false,
        };
      }
    }
    if (current === undefined) {
      tracked.set(subKey, {
        id: randomUUID(),
        merchantId: s.merchantId,
        externalId: s.event.subscription.id,
        version: null,
        customerId: customerIds.get(customerKey(s))!,
        offerId: offer.id,
        offerGuildId: offer.discordGuildId,
        offerGracePeriodDays: offer.gracePeriodDays,
        state: applySubscriptionEvent(null, facts).state,
        changed: true,
      });
      perEvent.push({
        submission: s,
        applied: true,
        guilds: [offer.discordGuildId].filter((g): g is string => g !== null),
      });
      continue;
    }
    const result = applySubscriptionEvent(current.state, facts);
    const guilds = new Set<string>();
    if (result.applied) {
      if (offer.discordGuildId !== null) guilds.add(offer.discordGuildId);
      if (current.offerId !== offer.id && current.offerGuildId !== null) guilds.add(current.offerGuildId);
      tracked.set(subKey, {
        ...current,
        offerId: offer.id,
        offerGuildId: offer.discordGuildId,
        offerGracePeriodDays: offer.gracePeriodDays,
        state: result.state,
        changed: true,
      });
    } else if (result.state.pastDueSince !== current.state.pastDueSince) {
      tracked.set(subKey, { ...current, state: result.state, changed: true });
    } else {
      tracked.set(subKey, current);
    }
    perEvent.push({ submission: s, applied: result.applied, guilds: [...guilds] });
  }

  const newSubscriptions: IngestionWrite['newSubscriptions'][number][] = [];
  const changedSubscriptions: IngestionWrite['changedSubscriptions'][number][] = [];
  for (const t of tracked.values()) {
    if (!t.changed) continue;
    const state = write(t.state, t.offerId, t.offerGracePeriodDays);
    if (t.version === null) {
      const { id, merchantId, externalId, customerId } = t;
      newSubscriptions.push({ id, merchantId, externalId, customerId, state });
    } else changedSubscriptions.push({ id: t.id, version: t.version, state });
  }

  // Every subscription tracked belongs to a customer of these events; only customers read can be linked.
  const users = new Map(
    [...snapshot.customers.values()]
      .filter((customer) => customer.linkedUserId !== null)
      .map((customer) => [customer.id, customer.linkedUserId!]),
  );
  const eventIds = new Map(events.map((s) => [s, randomUUID()]));
  const roleSyncs = new Set<string>();
  const jobs: NewOutboxRow[] = [];
  for (const { submission: s, applied, guilds } of perEvent) {
    const userId = users.get(tracked.get(subscriptionKey(s))!.customerId);
    if (applied && userId !== undefined) {
      for (const guildId of guilds) {
        if (roleSyncs.has(`${guildId}:${userId}`)) continue;
        roleSyncs.add(`${guildId}:${userId}`);
        jobs.push({ jobName: 'role-sync.member', payload: { guildId, userId, reason: 'event' } });
      }
    }
    const offer = offerOf(s);
    if (NOTIFYING_EVENTS.has(s.event.type) && offer.discordGuildId !== null) {
      jobs.push({
        jobName: 'notification.send',
        payload: { inboundEventId: eventIds.get(s)!, guildId: offer.discordGuildId },
      });
    }
  }
  return {
    newCustomers,
    customerEmails,
    newSubscriptions,
    changedSubscriptions,
    events: perEvent.map(({ submission: s, applied }) => ({
      id: eventIds.get(s)!,
      merchantId: s.merchantId,
      externalId: s.event.id,
      type: s.event.type,
      occurredAt: new Date(s.event.occurredAt),
      bodyHash: s.bodyHash,
      body: s.event,
      subscriptionId: tracked.get(subscriptionKey(s))!.id,
      applied,
    })),
    jobs,
  };
}

function eventIdReused(eventId: string): ProblemError {
  return problems.conflict(
    `Event ${eventId} was already received with a different body; event ids must be unique.`,
    'event-id-reused',
  );
}

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}
