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
        offer_id: string;
        offer_name: string;
        grace_period_days: number;
        discord_role_id: string;
      }>
    >(
      `SELECT s.id AS subscription_id, s.external_id, s.status, s.current_period_end, s.cancel_at_period_end,
              s.past_due_since, o.id AS offer_id, o.name AS offer_name, o.grace_period_days, o.discord_role_id
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
   * The linked members whose access may have ended in (from, to]: by the clock (access_ends_at) or by an
   * event that moved the subscription to a status that ends access. Keyset-paginated on the subscription
   * id. Both branches run on their own partial index and carry the columns the joins need, so no join goes
   * back to the subscription table: with one, the planner may walk its primary key in id order to satisfy
   * ORDER BY ... LIMIT, and the cost would follow the size of the table instead of the rows due.
   */
  async accessEndedBetween(
    from: Date,
    to: Date,
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ id: string; guildId: string; discordUserId: string }>> {
    const rows = await this.manager.query<Array<{ id: string; guild_id: string; discord_user_id: string }>>(
      `WITH due AS (
         SELECT id, offer_id, customer_id FROM subscription
          WHERE access_ends_at > $1 AND access_ends_at <= $2 AND ($3::uuid IS NULL OR id > $3::uuid)
         UNION
         SELECT id, offer_id, customer_id FROM subscription
          WHERE status IN ('PAST_DUE', 'CANCELED', 'EXPIRED') AND updated_at > $1 AND updated_at <= $2
            AND ($3::uuid IS NULL OR id > $3::uuid)
       )
       SELECT due.id, o.discord_guild_id AS guild_id, l.discord_user_id
         FROM due
         JOIN offer o ON o.id = due.offer_id AND o.discord_guild_id IS NOT NULL
         JOIN discord_link l ON l.customer_id = due.customer_id
        ORDER BY due.id
        LIMIT $4`,
      [from, to, afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, guildId: row.guild_id, discordUserId: row.discord_user_id }));
  }
}

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
  subscription: AccessSubscription;
  offer: AccessOffer;
}
