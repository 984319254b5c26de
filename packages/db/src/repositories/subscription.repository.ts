import type { EntityManager } from 'typeorm';
import type {
  AccessOffer,
  AccessSubscription,
  SubscriptionState,
  SubscriptionStatus,
} from '@inflow/contracts';
import { SubscriptionEntity, type Subscription } from '../entities/subscription.entity';

export interface SubscriptionWrite extends SubscriptionState {
  offerId: string;
  accessEndsAt: Date | null;
}

/** A subscription's state as the ordered values of offer_id … last_event_id, for inserts and updates alike. */
function stateColumns(state: SubscriptionWrite): unknown[] {
  return [
    state.offerId,
    state.status,
    state.currentPeriodEnd,
    state.cancelAtPeriodEnd,
    state.pastDueSince,
    state.accessEndsAt,
    state.lastEventAt,
    state.lastEventId,
  ];
}

export class SubscriptionRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The subscription, locked for the rest of the transaction so that events for it apply one at a time
   * (their order then depends only on occurredAt, never on which request won a race).
   */
  async findForUpdate(merchantId: string, externalId: string): Promise<Subscription | null> {
    return this.manager
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.merchant_id = :merchantId AND s.external_id = :externalId', { merchantId, externalId })
      .getOne();
  }

  /**
   * Creates the subscription, or returns null when a concurrent transaction created it first (the caller
   * then locks and updates that one).
   */
  async insertIfAbsent(
    merchantId: string,
    externalId: string,
    customerId: string,
    state: SubscriptionWrite,
  ): Promise<string | null> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, current_period_end,
                                 cancel_at_period_end, past_due_since, access_ends_at, last_event_at, last_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING id`,
      [merchantId, externalId, customerId, ...stateColumns(state)],
    );
    return rows[0]?.id ?? null;
  }

  async update(subscriptionId: string, state: SubscriptionWrite): Promise<void> {
    await this.manager.query(
      `UPDATE subscription SET offer_id = $2, status = $3, current_period_end = $4, cancel_at_period_end = $5,
              past_due_since = $6, access_ends_at = $7, last_event_at = $8, last_event_id = $9, updated_at = now()
        WHERE id = $1`,
      [subscriptionId, ...stateColumns(state)],
    );
  }

  async findByExternalId(merchantId: string, externalId: string): Promise<Subscription | null> {
    return this.manager.getRepository(SubscriptionEntity).findOneBy({ merchantId, externalId });
  }

  /**
   * Recomputes access_ends_at for an offer's subscriptions after its grace period changed. Only past-due
   * subscriptions depend on the grace period.
   */
  async setPastDueAccessEnd(offerId: string, gracePeriodDays: number): Promise<void> {
    await this.manager.query(
      `UPDATE subscription SET access_ends_at = past_due_since + make_interval(days => $2), updated_at = now()
        WHERE offer_id = $1 AND status = 'PAST_DUE' AND past_due_since IS NOT NULL`,
      [offerId, gracePeriodDays],
    );
  }

  /** A customer's subscriptions with their offer, newest first (the customer portal). */
  async listForCustomer(merchantId: string, customerId: string): Promise<CustomerSubscription[]> {
    const rows = await this.manager.query<
      Array<{
        external_id: string;
        status: SubscriptionStatus;
        current_period_end: Date | null;
        cancel_at_period_end: boolean;
        past_due_since: Date | null;
        offer_name: string;
        guild_id: string | null;
        role_id: string | null;
        grace_period_days: number;
      }>
    >(
      `SELECT s.external_id, s.status, s.current_period_end, s.cancel_at_period_end, s.past_due_since,
              o.name AS offer_name, o.discord_guild_id AS guild_id, o.discord_role_id AS role_id, o.grace_period_days
         FROM subscription s JOIN offer o ON o.id = s.offer_id AND o.merchant_id = s.merchant_id
        WHERE s.merchant_id = $1 AND s.customer_id = $2
        ORDER BY s.created_at DESC`,
      [merchantId, customerId],
    );
    return rows.map((row) => ({
      externalId: row.external_id,
      status: row.status,
      currentPeriodEnd: row.current_period_end,
      cancelAtPeriodEnd: row.cancel_at_period_end,
      pastDueSince: row.past_due_since,
      offerName: row.offer_name,
      guildId: row.guild_id,
      roleId: row.role_id,
      gracePeriodDays: row.grace_period_days,
    }));
  }

  /** The guilds where a customer's subscriptions name a role: where linking or unlinking changes roles. */
  async guildsOfCustomer(merchantId: string, customerId: string): Promise<string[]> {
    const rows = await this.manager.query<Array<{ guild_id: string }>>(
      `SELECT DISTINCT o.discord_guild_id AS guild_id FROM subscription s JOIN offer o ON o.id = s.offer_id
        WHERE s.merchant_id = $1 AND s.customer_id = $2 AND o.discord_guild_id IS NOT NULL`,
      [merchantId, customerId],
    );
    return rows.map((row) => row.guild_id);
  }

  /**
   * Every subscription of the Discord user in the guild (through the customers they linked, at the
   * guild's merchant), with what the access rule needs of its offer. Past ones included: they are the
   * evidence that a role was granted for a subscription.
   */
  async ofMemberInGuild(guildId: string, discordUserId: string): Promise<MemberSubscription[]> {
    const rows = await this.manager.query<
      Array<{
        subscription_id: string;
        external_id: string;
        status: SubscriptionStatus;
        current_period_end: Date | null;
        cancel_at_period_end: boolean;
        past_due_since: Date | null;
        updated_at: Date;
        offer_id: string;
        offer_name: string;
        grace_period_days: number;
        discord_role_id: string;
      }>
    >(
      `SELECT s.id AS subscription_id, s.external_id, s.status, s.current_period_end, s.cancel_at_period_end,
              s.past_due_since, s.updated_at, o.id AS offer_id, o.name AS offer_name, o.grace_period_days,
              o.discord_role_id
         FROM discord_link l
         JOIN discord_guild g ON g.guild_id = $1 AND g.merchant_id = l.merchant_id
         JOIN subscription s ON s.customer_id = l.customer_id
         JOIN offer o ON o.id = s.offer_id AND o.discord_guild_id = $1
        WHERE l.discord_user_id = $2`,
      [guildId, discordUserId],
    );
    return rows.map((row) => ({
      subscriptionId: row.subscription_id,
      externalId: row.external_id,
      offerId: row.offer_id,
      offerName: row.offer_name,
      writtenAt: row.updated_at,
      subscription: {
        status: row.status,
        currentPeriodEnd: row.current_period_end,
        cancelAtPeriodEnd: row.cancel_at_period_end,
        pastDueSince: row.past_due_since,
      },
      offer: { gracePeriodDays: row.grace_period_days, discordRoleId: row.discord_role_id },
    }));
  }

  /**
   * One page of the linked members whose access may have ended in (from, to]: by the clock
   * (access_ends_at) or by an event that moved the subscription to a status that ends access. The two
   * causes are read one after the other, each in the order of its own partial index and resumed from the
   * last subscription of the previous page, so every page reads only its own rows: the cost follows the
   * rows due, never the table, nor the pages already read. A subscription due by both is found once, by
   * the clock. `next` is where the following page starts; null when the window is exhausted.
   */
  async accessEndedPage(
    from: Date,
    to: Date,
    after: AccessEndedPosition | null,
    limit: number,
  ): Promise<AccessEndedPage> {
    const members: AccessEndedMember[] = [];
    let position = after ?? startOf('clock', from);
    for (;;) {
      const wanted = limit - members.length;
      const rows = await this.manager.query<
        Array<{
          id: string;
          at: string;
          guild_id: string | null;
          discord_user_id: string | null;
          found_by_clock: boolean;
        }>
      >(ACCESS_ENDED_PAGE[position.cause], [from, to, position.at, position.id, wanted]);
      for (const row of rows) {
        if (row.guild_id !== null && row.discord_user_id !== null && !row.found_by_clock)
          members.push({ id: row.id, guildId: row.guild_id, discordUserId: row.discord_user_id });
      }
      const last = rows.at(-1);
      if (last !== undefined && rows.length === wanted) {
        return { members, next: { cause: position.cause, at: last.at, id: last.id } };
      }
      if (position.cause === 'event') return { members, next: null };
      position = startOf('event', from);
    }
  }
}

/** Why a subscription is on the access-ended sweep's list: its access_ends_at passed, or an event ended it. */
export type AccessEndedCause = 'clock' | 'event';

/**
 * Where a page of the access-ended sweep stopped: the cause being read, and the last subscription read
 * in that cause's index order (`at` is Postgres' own text of the timestamp, so no precision is lost).
 */
export interface AccessEndedPosition {
  cause: AccessEndedCause;
  at: string;
  id: string;
}

/** A linked member of a guild whose subscription's access may have ended. */
export interface AccessEndedMember {
  /** The subscription's id. */
  id: string;
  guildId: string;
  discordUserId: string;
}

export interface AccessEndedPage {
  members: AccessEndedMember[];
  next: AccessEndedPosition | null;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

function startOf(cause: AccessEndedCause, from: Date): AccessEndedPosition {
  return { cause, at: from.toISOString(), id: NIL_UUID };
}

/**
 * The statement of each cause: $1, $2 the window, ($3, $4) the position to resume after, $5 the rows
 * wanted. The page is an index-only scan of the cause's partial index, in its order, which carries the
 * columns the joins need (migration SweepCoveringIndexes): it reads the page's own entries and stops,
 * never the table. Rows without a member (no link, or an offer without a guild) and, for events, rows the
 * clock found already stay in the page, flagged, so that its last row is where the next one starts.
 */
function accessEndedStatement(page: string, foundByClock: string): string {
  return `
    SELECT page.id, page.at::text AS at, o.discord_guild_id AS guild_id, l.discord_user_id,
           ${foundByClock} AS found_by_clock
      FROM (${page}) page
      LEFT JOIN offer o ON o.id = page.offer_id
      LEFT JOIN discord_link l ON l.customer_id = page.customer_id
     ORDER BY page.at, page.id`;
}

const ACCESS_ENDED_PAGE: Record<AccessEndedCause, string> = {
  clock: accessEndedStatement(
    `SELECT access_ends_at AS at, id, offer_id, customer_id FROM subscription
      WHERE access_ends_at > $1 AND access_ends_at <= $2 AND (access_ends_at, id) > ($3::timestamptz, $4::uuid)
      ORDER BY access_ends_at, id
      LIMIT $5`,
    'false',
  ),
  event: accessEndedStatement(
    `SELECT updated_at AS at, id, offer_id, customer_id, access_ends_at FROM subscription
      WHERE status IN ('PAST_DUE', 'CANCELED', 'EXPIRED') AND updated_at > $1 AND updated_at <= $2
        AND (updated_at, id) > ($3::timestamptz, $4::uuid)
      ORDER BY updated_at, id
      LIMIT $5`,
    '(page.access_ends_at > $1 AND page.access_ends_at <= $2) IS TRUE',
  ),
};

/** A customer's subscription with what the portal shows of its offer. */
export interface CustomerSubscription extends AccessSubscription {
  externalId: string;
  offerName: string;
  guildId: string | null;
  roleId: string | null;
  gracePeriodDays: number;
}

/** One subscription of a member in a guild, as the access rule and the audit trail need it. */
export interface MemberSubscription {
  subscriptionId: string;
  externalId: string;
  offerId: string;
  offerName: string;
  /** When the subscription was last written: for a change an event made, when the api accepted it. */
  writtenAt: Date;
  subscription: AccessSubscription;
  offer: AccessOffer;
}
