import { hasAccess } from '@inflow/contracts';
import type { ActivePortalSession, Database, RoleGrant } from '@inflow/db';

/** Where one subscription stands on Discord, in the customer's terms. */
export type ServerState =
  | { kind: 'granted' }
  | { kind: 'syncing' }
  | { kind: 'join'; inviteUrl: string | null }
  | { kind: 'waiting-admin' }
  | { kind: 'reconnect' }
  | { kind: 'banned' }
  | { kind: 'guild-cap' }
  | { kind: 'no-access' }
  | { kind: 'not-linked' }
  | { kind: 'no-server' };

export interface PortalSubscriptionView {
  id: string;
  offerName: string;
  status: string;
  serverName: string | null;
  state: ServerState;
}

export interface PortalView {
  merchantName: string;
  customerId: string;
  discord: { userId: string; username: string; tokenStatus: string } | null;
  subscriptions: PortalSubscriptionView[];
}

/** What the customer portal shows: their subscriptions, the Discord server of each and its state. */
export class PortalViewService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async view(session: ActivePortalSession): Promise<PortalView> {
    const repos = this.db.repositories;
    const [merchant, customer, link, subscriptions] = await Promise.all([
      repos.merchants.findById(session.merchantId),
      repos.customers.find(session.merchantId, session.customerId),
      repos.discordLinks.findSummaryByCustomer(session.merchantId, session.customerId),
      repos.subscriptions.listForCustomer(session.merchantId, session.customerId),
    ]);
    const now = this.now();
    const views = await Promise.all(
      subscriptions.map(async (subscription): Promise<PortalSubscriptionView> => {
        const guild =
          subscription.guildId === null
            ? null
            : await repos.discordGuilds.find(session.merchantId, subscription.guildId);
        const base = {
          id: subscription.externalId,
          offerName: subscription.offerName,
          status: subscription.status,
          serverName: guild?.name ?? null,
        };
        if (guild === null || subscription.roleId === null) return { ...base, state: { kind: 'no-server' } };
        if (
          !hasAccess(
            subscription,
            { gracePeriodDays: subscription.gracePeriodDays, discordRoleId: subscription.roleId },
            now,
          )
        ) {
          return { ...base, state: { kind: 'no-access' } };
        }
        if (link === null) return { ...base, state: { kind: 'not-linked' } };
        if (link.tokenStatus === 'revoked') return { ...base, state: { kind: 'reconnect' } };
        const grant = (
          await repos.roleGrants.findFor(guild.guildId, link.discordUserId, [subscription.roleId])
        )[0];
        return { ...base, state: stateOfGrant(grant, guild.inviteUrl) };
      }),
    );
    return {
      merchantName: merchant?.name ?? '',
      customerId: customer?.externalId ?? '',
      discord:
        link === null
          ? null
          : { userId: link.discordUserId, username: link.discordUsername, tokenStatus: link.tokenStatus },
      subscriptions: views,
    };
  }
}

function stateOfGrant(grant: RoleGrant | undefined, inviteUrl: string | null): ServerState {
  if (grant === undefined) return { kind: 'syncing' };
  switch (grant.syncState) {
    case 'synced':
      return grant.applied ? { kind: 'granted' } : { kind: 'syncing' };
    case 'pending':
      return { kind: 'join', inviteUrl };
    case 'needs_action':
      return { kind: 'waiting-admin' };
    case 'blocked':
      return grant.lastErrorCode === 30001 ? { kind: 'guild-cap' } : { kind: 'banned' };
    case 'held':
    case 'failed':
      return { kind: 'syncing' };
  }
}
