import { describe, expect, it } from '@jest/globals';
import type { MerchantEvent } from '@inflow/contracts';
import { EMBED_COLORS, type NotificationMessage } from '@inflow/discord';
import { eventMessage, type EventMessageInput } from './event-message';
import type { EventNotificationKind } from './notification-routing';
import { USER_ID } from './test/fakes';

const OCCURRED = '2026-11-24T10:00:00.000Z';
const PERIOD_END = '2026-12-24T10:00:00.000Z';
const PERIOD_END_TAG = `<t:${Date.parse(PERIOD_END) / 1000}:D>`;

function event(
  type: MerchantEvent['type'],
  overrides: Partial<MerchantEvent['subscription']> = {},
): MerchantEvent {
  return {
    id: 'evt_1',
    type,
    occurredAt: OCCURRED,
    subscription: {
      id: 'sub_1',
      offerId: '5d6f0a1e-2b3c-4d5e-8f90-123456789abc',
      status: 'ACTIVE',
      currentPeriodEnd: PERIOD_END,
      cancelAtPeriodEnd: false,
      customer: { id: 'cus_1', email: 'alice@example.com' },
      ...overrides,
    },
    payment: type.startsWith('payment.')
      ? {
          id: 'pay_1',
          amountInCents: 129_900,
          currency: 'EUR',
          failureReason: type === 'payment.failed' ? 'Card declined (insufficient funds)' : null,
        }
      : null,
  };
}

function input(e: MerchantEvent, overrides: Partial<EventMessageInput> = {}): EventMessageInput {
  return {
    event: e,
    offerName: 'VIP Monthly',
    offerPrice: { amountInCents: 999, currency: 'USD' },
    customer: { discordUserId: USER_ID, email: 'alice@example.com' },
    locale: 'en-US',
    ...overrides,
  };
}

function embed(message: NotificationMessage | null) {
  expect(message).not.toBeNull();
  expect(message!.embeds).toHaveLength(1);
  expect(message!.allowedMentions).toEqual({ parse: [] });
  return message!.embeds[0]!;
}

function field(message: NotificationMessage | null, name: string): string | undefined {
  return embed(message).fields?.find((f) => f.name === name)?.value;
}

describe('eventMessage', () => {
  it.each<[EventNotificationKind, MerchantEvent['type'], string, number]>([
    ['payment_succeeded', 'payment.succeeded', 'Payment received: VIP Monthly', EMBED_COLORS.success],
    ['payment_failed', 'payment.failed', 'Payment failed: VIP Monthly', EMBED_COLORS.failure],
    ['subscription_created', 'subscription.created', 'New subscription: VIP Monthly', EMBED_COLORS.created],
    [
      'subscription_canceled',
      'subscription.canceled',
      'Subscription canceled: VIP Monthly',
      EMBED_COLORS.canceled,
    ],
  ])('%s: title, colour, timestamp and the customer as a mention', (kind, type, title, color) => {
    const message = eventMessage(kind, input(event(type)));
    expect(embed(message)).toMatchObject({ title, color, timestamp: OCCURRED });
    expect(field(message, 'Customer')).toBe(`<@${USER_ID}>`);
    expect(field(message, 'Offer')).toBe('VIP Monthly');
  });

  it('shows the payment amount in the locale, the period paid through, and the failure reason', () => {
    const paid = eventMessage('payment_succeeded', input(event('payment.succeeded'), { locale: 'de-DE' }));
    expect(field(paid, 'Amount')?.replace(/\s/g, ' ')).toBe('1.299,00 €');
    expect(field(paid, 'Paid through')).toBe(PERIOD_END_TAG);
    const failed = eventMessage('payment_failed', input(event('payment.failed')));
    expect(field(failed, 'Amount')).toBe('€1,299.00');
    expect(field(failed, 'Reason')).toBe('Card declined (insufficient funds)');
  });

  it('masks the e-mail of a customer without a Discord link', () => {
    const message = eventMessage(
      'payment_failed',
      input(event('payment.failed'), { customer: { discordUserId: null, email: 'alice@example.com' } }),
    );
    expect(field(message, 'Customer')).toBe('a***@example.com');
    expect(JSON.stringify(message)).not.toContain('alice@example.com');
  });

  it("shows a new subscription's price from the offer and when it renews", () => {
    const message = eventMessage('subscription_created', input(event('subscription.created')));
    expect(field(message, 'Price')).toBe('$9.99');
    expect(field(message, 'Renews')).toBe(PERIOD_END_TAG);
    const unknownOffer = eventMessage(
      'subscription_created',
      input(event('subscription.created'), { offerPrice: null }),
    );
    expect(field(unknownOffer, 'Price')).toBeUndefined();
  });

  it('says until when a subscription canceled at period end keeps access, and that it ended otherwise', () => {
    const atPeriodEnd = event('subscription.canceled', { status: 'CANCELED', cancelAtPeriodEnd: true });
    expect(field(eventMessage('subscription_canceled', input(atPeriodEnd)), 'Access')).toBe(
      `Until ${PERIOD_END_TAG}`,
    );
    const atOnce = event('subscription.canceled', { status: 'CANCELED', cancelAtPeriodEnd: false });
    expect(field(eventMessage('subscription_canceled', input(atOnce)), 'Access')).toBe('Ended');
    const periodOver = event('subscription.canceled', {
      status: 'CANCELED',
      cancelAtPeriodEnd: true,
      currentPeriodEnd: '2026-11-01T00:00:00.000Z',
    });
    expect(field(eventMessage('subscription_canceled', input(periodOver)), 'Access')).toBe('Ended');
  });

  it('refuses a payment kind without a payment', () => {
    expect(
      eventMessage('payment_succeeded', input({ ...event('payment.succeeded'), payment: null })),
    ).toBeNull();
  });

  it("stays within Discord's limits for an offer name and a reason of any length", () => {
    const huge = 'x'.repeat(10_000);
    const failed = { ...event('payment.failed') };
    failed.payment = { ...failed.payment!, failureReason: huge };
    const message = eventMessage('payment_failed', input(failed, { offerName: huge }));
    const e = embed(message);
    expect(e.title!.length).toBeLessThanOrEqual(256);
    for (const f of e.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(1024);
    const total =
      (e.title?.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
  });
});
