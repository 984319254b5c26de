import { beforeEach, describe, expect, it } from '@jest/globals';
import type { MerchantEvent } from '@inflow/contracts';
import type { Customer, DiscordGuild, DiscordLinkSummary, Offer } from '@inflow/db';
import { PermanentJobError } from '@inflow/queue';
import { ChannelDeliveryService } from './channel-delivery.service';
import { NotificationService, type NotificationRepositories } from './notification.service';
import {
  FakeBot,
  FakeDeliveryRepositories,
  GENERAL_CHANNEL,
  guild,
  GUILD_ID,
  MERCHANT_ID,
  PAYMENT_CHANNEL,
  USER_ID,
} from './test/fakes';

const EVENT_ID = '7b0c8a52-3f4e-4c1d-9a2b-6e5f4d3c2b1a';
const OFFER_ID = '5d6f0a1e-2b3c-4d5e-8f90-123456789abc';
const CUSTOMER_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const RUN = { lastAttempt: false };

function merchantEvent(type: MerchantEvent['type']): MerchantEvent {
  return {
    id: 'evt_1',
    type,
    occurredAt: '2026-11-24T10:00:00.000Z',
    subscription: {
      id: 'sub_1',
      offerId: OFFER_ID,
      status: 'ACTIVE',
      currentPeriodEnd: '2026-12-24T10:00:00.000Z',
      cancelAtPeriodEnd: false,
      customer: { id: 'cus_1' },
    },
    ...(type.startsWith('payment.')
      ? { payment: { id: 'pay_1', amountInCents: 999, currency: 'EUR', failureReason: 'card_declined' } }
      : {}),
  };
}

/** Postgres as the event notifications read it, in memory. */
class FakeReads implements NotificationRepositories {
  body: unknown = merchantEvent('payment.succeeded');
  eventMerchant = MERCHANT_ID;
  guild: DiscordGuild | null = guild();
  offer: Offer | null = {
    id: OFFER_ID,
    merchantId: MERCHANT_ID,
    name: 'VIP Monthly',
    description: null,
    amountInCents: 2500,
    currency: 'USD',
    billingInterval: 'month',
    intervalCount: 1,
    discordGuildId: GUILD_ID,
    discordRoleId: null,
    gracePeriodDays: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  customer: Customer | null = {
    id: CUSTOMER_ID,
    merchantId: MERCHANT_ID,
    externalId: 'cus_1',
    email: 'alice@example.com',
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  link: DiscordLinkSummary | null = null;

  inboundEvents = {
    findById: (id: string) =>
      Promise.resolve(
        id === EVENT_ID
          ? { id, merchantId: this.eventMerchant, type: 'x', body: this.body, occurredAt: new Date() }
          : null,
      ),
  };
  discordGuilds = { findById: () => Promise.resolve(this.guild) };
  offers = { find: () => Promise.resolve(this.offer) };
  customers = { findByExternalId: () => Promise.resolve(this.customer) };
  discordLinks = { findSummaryByCustomer: () => Promise.resolve(this.link) };
}

describe('NotificationService', () => {
  let reads: FakeReads;
  let writes: FakeDeliveryRepositories;
  let bot: FakeBot;
  let service: NotificationService;

  beforeEach(() => {
    reads = new FakeReads();
    writes = new FakeDeliveryRepositories();
    bot = new FakeBot();
    service = new NotificationService({
      repositories: reads,
      delivery: new ChannelDeliveryService({ repositories: writes, bot, now: () => new Date() }),
      locale: 'en-US',
    });
  });

  const send = () => service.send({ inboundEventId: EVENT_ID, guildId: GUILD_ID }, RUN);
  const title = () => bot.posts[0]?.input.embeds?.[0]?.title;
  const customerField = () =>
    bot.posts[0]?.input.embeds?.[0]?.fields?.find((f) => f.name === 'Customer')?.value;

  it.each<[MerchantEvent['type'], string, string]>([
    ['payment.succeeded', PAYMENT_CHANNEL, 'Payment received: VIP Monthly'],
    ['payment.failed', PAYMENT_CHANNEL, 'Payment failed: VIP Monthly'],
    ['subscription.created', GENERAL_CHANNEL, 'New subscription: VIP Monthly'],
    ['subscription.canceled', GENERAL_CHANNEL, 'Subscription canceled: VIP Monthly'],
  ])('%s: posts its embed to its channel under the event delivery key', async (type, channelId, expected) => {
    reads.body = merchantEvent(type);
    expect(await send()).toBeUndefined();
    expect(bot.posts.map((post) => post.channelId)).toEqual([channelId]);
    expect(title()).toBe(expected);
    expect(writes.only()).toMatchObject({ deliveryKey: `event:${EVENT_ID}`, status: 'sent' });
  });

  it('names a linked customer by mention, an unlinked one by masked e-mail', async () => {
    await send();
    expect(customerField()).toBe('a***@example.com');
    reads.link = {
      discordUserId: USER_ID,
      discordUsername: 'alice',
      linkedAt: new Date(),
      scopes: ['identify'],
      tokenStatus: 'valid',
    };
    writes.deliveries.clear();
    bot.posts.length = 0;
    await send();
    expect(customerField()).toBe(`<@${USER_ID}>`);
    expect(writes.audit.at(-1)).toMatchObject({ discordUserId: USER_ID, kind: 'notification.sent' });
  });

  it('records a skip when the toggle is off, without calling Discord', async () => {
    reads.guild = guild({ notifyPaymentSucceeded: false });
    expect(await send()).toEqual({
      status: 'skipped',
      reason: 'Payment succeeded notifications are turned off',
    });
    expect(bot.posts).toEqual([]);
    expect(writes.only()).toMatchObject({ status: 'skipped' });
  });

  it.each<[string, () => void, string]>([
    [
      'an event type nobody is told about',
      () => (reads.body = merchantEvent('subscription.updated')),
      'subscription.updated is not notified',
    ],
    [
      'a guild of another merchant',
      () => (reads.eventMerchant = '11111111-2222-4333-8444-555555555555'),
      'the guild is not connected to this merchant',
    ],
    ['an unknown guild', () => (reads.guild = null), 'the guild is not connected to this merchant'],
    [
      'a guild the bot left',
      () => (reads.guild = guild({ installStatus: 'removed' })),
      'the bot is not in this guild',
    ],
  ])('does nothing for %s', async (_name, arrange, reason) => {
    arrange();
    expect(await send()).toEqual({ status: 'skipped', reason });
    expect(bot.posts).toEqual([]);
    expect(writes.deliveries.size).toBe(0);
  });

  it('skips an event that no longer exists', async () => {
    expect(await service.send({ inboundEventId: OFFER_ID, guildId: GUILD_ID }, RUN)).toEqual({
      status: 'skipped',
      reason: 'the event no longer exists',
    });
  });

  it('fails a stored body that breaks the event schema permanently', async () => {
    reads.body = { id: 'evt_1', type: 'payment.succeeded' };
    await expect(send()).rejects.toBeInstanceOf(PermanentJobError);
    expect(bot.posts).toEqual([]);
  });

  it('still posts when the offer was deleted', async () => {
    reads.offer = null;
    await send();
    expect(title()).toBe('Payment received: Unknown offer');
  });
});
