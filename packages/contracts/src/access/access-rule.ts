import type { SubscriptionStatus } from '../subscription-status';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the access rule needs of a subscription: its state after the last applied event. */
export interface AccessSubscription {
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  /** When the subscription last became PAST_DUE; null when it is not past due. */
  pastDueSince: Date | null;
}

/** What the access rule needs of an offer. */
export interface AccessOffer {
  gracePeriodDays: number;
  discordRoleId: string | null;
}

/**
 * Whether a subscription grants its offer's role at `now` (DESIGN.md, "Access rule").
 *
 * Every unknown leans towards keeping access: the system revokes only on positive evidence, so a
 * past-due subscription whose start of arrears is unknown stays within its grace period.
 */
export function hasAccess(subscription: AccessSubscription, offer: AccessOffer, now: Date): boolean {
  switch (subscription.status) {
    case 'ACTIVE':
    case 'TRIALING':
      return true;
    case 'PAST_DUE': {
      if (offer.gracePeriodDays <= 0) return false;
      if (subscription.pastDueSince === null) return true;
      return now.getTime() < subscription.pastDueSince.getTime() + offer.gracePeriodDays * DAY_MS;
    }
    case 'CANCELED':
      return (
        subscription.cancelAtPeriodEnd &&
        subscription.currentPeriodEnd !== null &&
        now.getTime() < subscription.currentPeriodEnd.getTime()
      );
    case 'EXPIRED':
      return false;
  }
}

/**
 * When the access a subscription grants will end by itself if no further event arrives, or null when
 * it does not end by the clock (active, or already ended). The cleanup sweep schedules on this.
 */
export function accessEndsAt(subscription: AccessSubscription, offer: AccessOffer): Date | null {
  switch (subscription.status) {
    case 'ACTIVE':
    case 'TRIALING':
    case 'EXPIRED':
      return null;
    case 'PAST_DUE':
      if (subscription.pastDueSince === null || offer.gracePeriodDays <= 0) return subscription.pastDueSince;
      return new Date(subscription.pastDueSince.getTime() + offer.gracePeriodDays * DAY_MS);
    case 'CANCELED':
      return subscription.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null;
  }
}

export interface SubscriptionWithOffer {
  subscription: AccessSubscription;
  offer: AccessOffer;
}

/**
 * The managed roles one Discord user should hold in one guild: every role that at least one of their
 * subscriptions there grants. A role shared by two offers stays while either grants it.
 * Sorted, without duplicates, so results compare by value.
 */
export function desiredRoles(
  subscriptionsOfUserInGuild: readonly SubscriptionWithOffer[],
  now: Date,
): string[] {
  const roles = new Set<string>();
  for (const { subscription, offer } of subscriptionsOfUserInGuild) {
    if (offer.discordRoleId !== null && hasAccess(subscription, offer, now)) roles.add(offer.discordRoleId);
  }
  return [...roles].sort();
}

/**
 * The difference between the managed roles a member should have and the ones they have. Roles the
 * system does not manage are never touched, whatever the member holds.
 */
export function roleDiff(
  desired: readonly string[],
  current: readonly string[],
  managed: ReadonlySet<string>,
): { add: string[]; remove: string[] } {
  const want = new Set(desired);
  const have = new Set(current);
  return {
    add: [...want].filter((role) => !have.has(role)).sort(),
    remove: [...have].filter((role) => managed.has(role) && !want.has(role)).sort(),
  };
}
