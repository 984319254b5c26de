import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** What the seeded rows are relative to: the sweep window whose ends are due, and the clock. */
export interface SeedPlan {
  merchantId: string;
  offerIds: readonly string[];
  /** The offers' grace period: past-due access ends this long after the subscription went past due. */
  gracePeriodDays: number;
  /** Access ends of due rows fall inside (from, to); no other row's access end or event time does. */
  window: { from: Date; to: Date };
  now: Date;
  /** Every `dueEvery`-th row is due, so due rows are spread over the whole table as in real data. */
  dueEvery: number;
}

/** One customer, their Discord link and their subscription, as COPY text-format lines. */
export interface SeedRows {
  due: boolean;
  customer: string;
  link: string;
  subscription: string;
}

export const CUSTOMER_COLUMNS = ['id', 'merchant_id', 'external_id', 'created_at', 'updated_at'] as const;
export const LINK_COLUMNS = [
  'merchant_id',
  'customer_id',
  'discord_user_id',
  'linked_at',
  'updated_at',
] as const;
export const SUBSCRIPTION_COLUMNS = [
  'id',
  'merchant_id',
  'external_id',
  'customer_id',
  'offer_id',
  'status',
  'current_period_end',
  'cancel_at_period_end',
  'past_due_since',
  'access_ends_at',
  'last_event_at',
  'last_event_id',
  'created_at',
  'updated_at',
] as const;

/** A deterministic uuid-shaped id per (kind, index), so a seed is reproducible. */
export function seededUuid(kind: string, index: number): string {
  const hex = createHash('sha1').update(`${kind}:${index}`).digest('hex');
  // Version 4 and variant bits set, so Postgres and validators see an ordinary uuid.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A fraction in [0, 1) per (index, salt): a cheap deterministic spread (mulberry32 of the pair). */
export function unit(index: number, salt: number): number {
  let t = (Math.imul(index, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

function ts(date: Date | null): string {
  return date === null ? '\\N' : date.toISOString();
}

interface SubscriptionState {
  status: 'ACTIVE' | 'TRIALING' | 'PAST_DUE' | 'CANCELED' | 'EXPIRED';
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  accessEndsAt: Date | null;
  updatedAt: Date;
}

/**
 * A subscription that is not due: a realistic mix (mostly active; canceled at period end with ends in the
 * past and the future; past due within grace; canceled and expired long ago). None of its times fall in
 * the window, so the sweep must not pay for it beyond index entries around the window.
 */
function notDue(i: number, plan: SeedPlan): SubscriptionState {
  const now = plan.now.getTime();
  const before = plan.window.from.getTime() - HOUR_MS;
  const r = unit(i, 1);
  const days = (lo: number, hi: number, salt: number) => (lo + unit(i, salt) * (hi - lo)) * DAY_MS;
  const inPast = before - days(0, 365, 2);
  if (r < 0.75) {
    return {
      status: r < 0.7 ? 'ACTIVE' : 'TRIALING',
      currentPeriodEnd: new Date(now + days(1, 30, 3)),
      cancelAtPeriodEnd: false,
      pastDueSince: null,
      accessEndsAt: null,
      updatedAt: new Date(inPast),
    };
  }
  if (r < 0.85) {
    // Canceled at period end: half still running (end ahead), half ended long before the window.
    const end = unit(i, 4) < 0.5 ? now + days(0.05, 30, 5) : inPast;
    return {
      status: 'CANCELED',
      currentPeriodEnd: new Date(end),
      cancelAtPeriodEnd: true,
      pastDueSince: null,
      accessEndsAt: new Date(end),
      updatedAt: new Date(Math.min(end, before) - days(1, 30, 6)),
    };
  }
  if (r < 0.9) {
    // Past due, grace still running: went past due at least an hour before the window.
    const since = before - days(0, plan.gracePeriodDays * 0.9, 7);
    return {
      status: 'PAST_DUE',
      currentPeriodEnd: new Date(since),
      cancelAtPeriodEnd: false,
      pastDueSince: new Date(since),
      accessEndsAt: new Date(since + plan.gracePeriodDays * DAY_MS),
      updatedAt: new Date(since),
    };
  }
  return {
    status: r < 0.97 ? 'CANCELED' : 'EXPIRED',
    currentPeriodEnd: new Date(inPast),
    cancelAtPeriodEnd: false,
    pastDueSince: null,
    accessEndsAt: null,
    updatedAt: new Date(inPast),
  };
}

/** A subscription whose access ends inside the window: past due with grace over, or canceled at period end. */
function due(i: number, plan: SeedPlan): SubscriptionState {
  const from = plan.window.from.getTime();
  const span = plan.window.to.getTime() - from;
  // Strictly inside (from, to): the sweep's range is from < t <= to.
  const end = from + 1 + Math.floor(unit(i, 8) * (span - 1));
  if (unit(i, 9) < 0.5) {
    const since = end - plan.gracePeriodDays * DAY_MS;
    return {
      status: 'PAST_DUE',
      currentPeriodEnd: new Date(since),
      cancelAtPeriodEnd: false,
      pastDueSince: new Date(since),
      accessEndsAt: new Date(end),
      updatedAt: new Date(since),
    };
  }
  return {
    status: 'CANCELED',
    currentPeriodEnd: new Date(end),
    cancelAtPeriodEnd: true,
    pastDueSince: null,
    accessEndsAt: new Date(end),
    updatedAt: new Date(end - (1 + unit(i, 10) * 29) * DAY_MS),
  };
}

/** Row `i` of the seed (customer, link, subscription), in Postgres COPY text format (tab-separated, \N for null). */
export function seedRows(i: number, plan: SeedPlan): SeedRows {
  const isDue = i % plan.dueEvery === 0;
  const state = isDue ? due(i, plan) : notDue(i, plan);
  const customerId = seededUuid('customer', i);
  const createdAt = new Date(state.updatedAt.getTime() - 30 * DAY_MS);
  const offerId = plan.offerIds[i % plan.offerIds.length]!;
  const discordUserId = (1_200_000_000_000_000_000n + BigInt(i)).toString();
  return {
    due: isDue,
    customer: [customerId, plan.merchantId, `cus_${i}`, ts(createdAt), ts(createdAt)].join('\t'),
    link: [plan.merchantId, customerId, discordUserId, ts(createdAt), ts(createdAt)].join('\t'),
    subscription: [
      seededUuid('subscription', i),
      plan.merchantId,
      `sub_${i}`,
      customerId,
      offerId,
      state.status,
      ts(state.currentPeriodEnd),
      state.cancelAtPeriodEnd ? 't' : 'f',
      ts(state.pastDueSince),
      ts(state.accessEndsAt),
      ts(state.updatedAt),
      'evt_seed',
      ts(createdAt),
      ts(state.updatedAt),
    ].join('\t'),
  };
}
