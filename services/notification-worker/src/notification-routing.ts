import type { MerchantEventType } from '@inflow/contracts';
import type { DiscordGuild } from '@inflow/db';

/** The notifications a merchant event can give; each has one embed, one channel and one toggle. */
export type EventNotificationKind =
  'payment_succeeded' | 'payment_failed' | 'subscription_created' | 'subscription_canceled';

/** Every kind of notification, as stored on its delivery and counted in metrics. */
export type NotificationKind = EventNotificationKind | 'operational_alert';

/** Which of the guild's two notification channels. */
export type ChannelPurpose = 'payment' | 'general';

/** A channel to post in. */
export interface ChannelTarget {
  channelId: string;
  purpose: ChannelPurpose;
}

/** What routing reads of a guild: its channels, its toggles and the channels Discord refused. */
export type RoutingGuild = Pick<
  DiscordGuild,
  | 'paymentChannelId'
  | 'generalChannelId'
  | 'notifyPaymentSucceeded'
  | 'notifyPaymentFailed'
  | 'notifySubscriptionCreated'
  | 'notifySubscriptionCanceled'
  | 'brokenChannels'
>;

/** Where a notification goes, or why it goes nowhere (`channelId` is the channel it would have used). */
export type Route =
  { send: true; target: ChannelTarget } | { send: false; reason: string; channelId: string | null };

/** The notification an event gives; null for the events nobody is told about (updates, past due, expiry). */
export function notificationKindOf(type: MerchantEventType): EventNotificationKind | null {
  switch (type) {
    case 'payment.succeeded':
      return 'payment_succeeded';
    case 'payment.failed':
      return 'payment_failed';
    case 'subscription.created':
      return 'subscription_created';
    case 'subscription.canceled':
      return 'subscription_canceled';
    case 'subscription.updated':
    case 'subscription.past_due':
    case 'subscription.expired':
      return null;
  }
}

interface KindRouting {
  purpose: ChannelPurpose;
  enabled: boolean;
  label: string;
}

function routingOf(kind: EventNotificationKind, guild: RoutingGuild): KindRouting {
  switch (kind) {
    case 'payment_succeeded':
      return { purpose: 'payment', enabled: guild.notifyPaymentSucceeded, label: 'Payment succeeded' };
    case 'payment_failed':
      return { purpose: 'payment', enabled: guild.notifyPaymentFailed, label: 'Payment failed' };
    case 'subscription_created':
      return { purpose: 'general', enabled: guild.notifySubscriptionCreated, label: 'New subscription' };
    case 'subscription_canceled':
      return {
        purpose: 'general',
        enabled: guild.notifySubscriptionCanceled,
        label: 'Canceled subscription',
      };
  }
}

/** The guild's channel for a purpose, null when the merchant picked none. */
export function channelFor(guild: RoutingGuild, purpose: ChannelPurpose): string | null {
  return purpose === 'payment' ? guild.paymentChannelId : guild.generalChannelId;
}

/** Why Discord refused the channel, when it did; notifications to it stop until the merchant acts. */
export function brokenReason(guild: RoutingGuild, channelId: string): string | undefined {
  return Object.hasOwn(guild.brokenChannels, channelId) ? guild.brokenChannels[channelId] : undefined;
}

/**
 * Routes an event notification: payments to the payment channel, subscriptions to the general
 * channel, each only while its toggle is on. A kind whose channel is not set, or was refused by
 * Discord, goes nowhere: there is no fallback channel, so nothing lands where the merchant did not
 * ask for it.
 */
export function routeEventNotification(kind: EventNotificationKind, guild: RoutingGuild): Route {
  const { purpose, enabled, label } = routingOf(kind, guild);
  if (!enabled) return { send: false, reason: `${label} notifications are turned off`, channelId: null };
  const channelId = channelFor(guild, purpose);
  if (channelId === null) return { send: false, reason: `No ${purpose} channel is set`, channelId: null };
  const broken = brokenReason(guild, channelId);
  if (broken !== undefined) {
    return { send: false, reason: `The ${purpose} channel is unavailable: ${broken}`, channelId };
  }
  return { send: true, target: { channelId, purpose } };
}
