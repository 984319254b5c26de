import { hasAccess, type SubscriptionView } from '@inflow/contracts';
import type { Database } from '@inflow/db';
import { problems } from '../http/problem';

/** `GET /subscription/:id`: a subscription with its Discord link and the sync state of its role. */
export class SubscriptionReadService {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(merchantId: string, externalId: string): Promise<SubscriptionView> {
    const repos = this.db.repositories;
    const subscription = await repos.subscriptions.findByExternalId(merchantId, externalId);
    if (subscription === null) throw problems.notFound(`You have no subscription ${externalId}.`);
    const [offer, customer, link] = await Promise.all([
      repos.offers.find(merchantId, subscription.offerId),
      repos.customers.find(merchantId, subscription.customerId),
      repos.discordLinks.findSummaryByCustomer(merchantId, subscription.customerId),
    ]);
    if (offer === null || customer === null)
      throw new Error(`subscription ${subscription.id} lost its offer or customer`);

    const roles: SubscriptionView['roles'] = [];
    if (offer.discordGuildId !== null && offer.discordRoleId !== null) {
      const shouldHave = hasAccess(subscription, offer, this.now());
      const grant =
        link === null
          ? undefined
          : (
              await repos.roleGrants.findFor(offer.discordGuildId, link.discordUserId, [offer.discordRoleId])
            )[0];
      roles.push({
        guildId: offer.discordGuildId,
        roleId: offer.discordRoleId,
        shouldHave,
        has: grant === undefined ? null : grant.applied,
        state: link === null ? 'not_linked' : (grant?.syncState ?? 'unknown'),
        lastError: grant?.lastError ?? null,
        updatedAt: grant?.updatedAt.toISOString() ?? null,
      });
    }
    return {
      id: subscription.externalId,
      offerId: subscription.offerId,
      customerId: customer.externalId,
      status: subscription.status,
      currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      pastDueSince: subscription.pastDueSince?.toISOString() ?? null,
      accessEndsAt: subscription.accessEndsAt?.toISOString() ?? null,
      lastEventAt: subscription.lastEventAt.toISOString(),
      discord:
        link === null
          ? null
          : {
              userId: link.discordUserId,
              username: link.discordUsername,
              linkedAt: link.linkedAt.toISOString(),
              tokenStatus: link.tokenStatus,
            },
      roles,
    };
  }
}
