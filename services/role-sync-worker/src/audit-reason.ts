import type { MemberSubscription } from '@inflow/db';

/**
 * The reason shown in the guild's audit log and stored in ours: which offer and subscription made the
 * change, so a moderator can tell why the bot touched a member.
 */
export function grantReason(roleId: string, subscriptions: readonly MemberSubscription[]): string {
  const granting = subscriptions.filter((s) => s.offer.discordRoleId === roleId);
  const first = granting[0];
  if (first === undefined) return 'Inflow: subscription role';
  const more = granting.length > 1 ? ` and ${granting.length - 1} more` : '';
  return `Inflow: offer "${first.offerName}", subscription ${first.externalId}${more}`;
}

export function removalReason(roleId: string, subscriptions: readonly MemberSubscription[]): string {
  const ended = subscriptions.filter((s) => s.offer.discordRoleId === roleId);
  const first = ended[0];
  if (first === undefined) return 'Inflow: no subscription grants this role any more';
  return `Inflow: access ended (offer "${first.offerName}", subscription ${first.externalId} is ${first.subscription.status.toLowerCase()})`;
}
