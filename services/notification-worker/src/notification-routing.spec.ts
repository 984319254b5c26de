import { describe, expect, it } from '@jest/globals';
import { MERCHANT_EVENT_TYPES, type MerchantEventType } from '@inflow/contracts';
import {
  notificationKindOf,
  routeEventNotification,
  type EventNotificationKind,
} from './notification-routing';
import { GENERAL_CHANNEL, guild, PAYMENT_CHANNEL } from './test/fakes';

describe('notificationKindOf', () => {
  const table: Array<[MerchantEventType, EventNotificationKind | null]> = [
    ['payment.succeeded', 'payment_succeeded'],
    ['payment.failed', 'payment_failed'],
    ['subscription.created', 'subscription_created'],
    ['subscription.canceled', 'subscription_canceled'],
    ['subscription.updated', null],
    ['subscription.past_due', null],
    ['subscription.expired', null],
  ];

  it.each(table)('%s → %s', (type, kind) => {
    expect(notificationKindOf(type)).toBe(kind);
  });

  it('has a row for every event type', () => {
    expect(table.map(([type]) => type).sort()).toEqual([...MERCHANT_EVENT_TYPES].sort());
  });
});

describe('routeEventNotification', () => {
  const toggles = {
    notifyPaymentSucceeded: false,
    notifyPaymentFailed: false,
    notifySubscriptionCreated: false,
    notifySubscriptionCanceled: false,
  };
  const toggleOf: Record<EventNotificationKind, keyof typeof toggles> = {
    payment_succeeded: 'notifyPaymentSucceeded',
    payment_failed: 'notifyPaymentFailed',
    subscription_created: 'notifySubscriptionCreated',
    subscription_canceled: 'notifySubscriptionCanceled',
  };

  it.each<[EventNotificationKind, string, 'payment' | 'general']>([
    ['payment_succeeded', PAYMENT_CHANNEL, 'payment'],
    ['payment_failed', PAYMENT_CHANNEL, 'payment'],
    ['subscription_created', GENERAL_CHANNEL, 'general'],
    ['subscription_canceled', GENERAL_CHANNEL, 'general'],
  ])('%s goes to the %s channel when only its own toggle is on', (kind, channelId, purpose) => {
    const route = routeEventNotification(kind, guild({ ...toggles, [toggleOf[kind]]: true }));
    expect(route).toEqual({ send: true, target: { channelId, purpose } });
  });

  it.each<EventNotificationKind>([
    'payment_succeeded',
    'payment_failed',
    'subscription_created',
    'subscription_canceled',
  ])('%s goes nowhere when its toggle is off, whatever the others say', (kind) => {
    const allOn = { ...toggles };
    for (const key of Object.keys(allOn) as Array<keyof typeof toggles>) allOn[key] = true;
    const route = routeEventNotification(kind, guild({ ...allOn, [toggleOf[kind]]: false }));
    expect(route).toMatchObject({
      send: false,
      channelId: null,
      reason: expect.stringContaining('turned off'),
    });
  });

  it('sends nothing where no channel is set, without falling back to the other channel', () => {
    const noPayment = guild({ paymentChannelId: null });
    expect(routeEventNotification('payment_succeeded', noPayment)).toEqual({
      send: false,
      reason: 'No payment channel is set',
      channelId: null,
    });
    expect(routeEventNotification('subscription_created', noPayment)).toMatchObject({ send: true });
    const noGeneral = guild({ generalChannelId: null });
    expect(routeEventNotification('subscription_canceled', noGeneral)).toEqual({
      send: false,
      reason: 'No general channel is set',
      channelId: null,
    });
    expect(routeEventNotification('payment_failed', noGeneral)).toMatchObject({ send: true });
  });

  it('skips a channel Discord refused, saying why', () => {
    const broken = guild({
      brokenChannels: { [PAYMENT_CHANNEL]: 'The notification channel no longer exists.' },
    });
    expect(routeEventNotification('payment_failed', broken)).toEqual({
      send: false,
      reason: 'The payment channel is unavailable: The notification channel no longer exists.',
      channelId: PAYMENT_CHANNEL,
    });
    expect(routeEventNotification('subscription_created', broken)).toMatchObject({ send: true });
  });

  it('is not fooled by a channel id that names an Object.prototype property', () => {
    expect(routeEventNotification('payment_succeeded', guild({ paymentChannelId: 'constructor' }))).toEqual({
      send: true,
      target: { channelId: 'constructor', purpose: 'payment' },
    });
  });
});
