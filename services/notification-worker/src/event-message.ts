import type { MerchantEvent } from '@inflow/contracts';
import {
  paymentFailedEmbed,
  paymentSucceededEmbed,
  subscriptionCanceledEmbed,
  subscriptionCreatedEmbed,
  type NotificationCustomer,
  type NotificationMessage,
} from '@inflow/discord';
import type { EventNotificationKind } from './notification-routing';

/** What an event's embed shows besides the event itself, read from Postgres. */
export interface EventMessageInput {
  event: MerchantEvent;
  offerName: string;
  /** The offer's price, shown on a new subscription. */
  offerPrice: { amountInCents: number; currency: string } | null;
  /** Their Discord account when linked (shown as a mention), else their e-mail (shown masked). */
  customer: NotificationCustomer;
  /** BCP 47 locale for amounts. */
  locale: string;
}

/**
 * The embed for an event notification, or null when the event lacks what its kind shows (a payment
 * event without its payment, which the event schema already refuses).
 */
export function eventMessage(
  kind: EventNotificationKind,
  input: EventMessageInput,
): NotificationMessage | null {
  const { event, offerName, customer, locale } = input;
  const base = { offerName, customer, locale, occurredAt: event.occurredAt };
  const periodEnd = event.subscription.currentPeriodEnd ?? null;
  switch (kind) {
    case 'payment_succeeded':
      if (!event.payment) return null;
      return paymentSucceededEmbed({
        ...base,
        amountInCents: event.payment.amountInCents,
        currency: event.payment.currency,
        periodEnd,
      });
    case 'payment_failed':
      if (!event.payment) return null;
      return paymentFailedEmbed({
        ...base,
        amountInCents: event.payment.amountInCents,
        currency: event.payment.currency,
        failureReason: event.payment.failureReason ?? null,
      });
    case 'subscription_created':
      return subscriptionCreatedEmbed({
        ...base,
        ...(input.offerPrice === null ? {} : input.offerPrice),
        periodEnd,
      });
    case 'subscription_canceled':
      return subscriptionCanceledEmbed({ ...base, periodEnd: accessUntil(event) });
  }
}

/**
 * When a canceled subscription's access ends: the period end when it was canceled at period end and
 * the period had not ended yet when it happened; otherwise access ended at once (null).
 */
function accessUntil(event: MerchantEvent): string | null {
  const periodEnd = event.subscription.currentPeriodEnd;
  if (!event.subscription.cancelAtPeriodEnd || periodEnd == null) return null;
  return Date.parse(periodEnd) > Date.parse(event.occurredAt) ? periodEnd : null;
}
