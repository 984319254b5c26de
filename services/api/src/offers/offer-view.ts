import type { Diagnostic, OfferView } from '@inflow/contracts';
import type { Offer } from '@inflow/db';

export function offerView(offer: Offer, diagnostics?: Diagnostic[]): OfferView {
  return {
    id: offer.id,
    name: offer.name,
    description: offer.description,
    amountInCents: offer.amountInCents,
    currency: offer.currency,
    interval: offer.billingInterval,
    intervalCount: offer.intervalCount,
    discordGuildId: offer.discordGuildId,
    discordRoleId: offer.discordRoleId,
    gracePeriodDays: offer.gracePeriodDays,
    createdAt: offer.createdAt.toISOString(),
    updatedAt: offer.updatedAt.toISOString(),
    ...(diagnostics === undefined ? {} : { diagnostics }),
  };
}
