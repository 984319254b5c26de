import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EMBED_COLORS, MERCHANT_FIXES } from '@inflow/discord';
import { PermissionFlags } from '@inflow/discord-emulator';
import { NotificationFixture } from './test/notification-fixture';

type Embed = {
  title?: string;
  color?: number;
  timestamp?: string;
  fields?: Array<{ name: string; value: string }>;
};

function embedOf(message: { embeds: unknown[] } | undefined): Embed {
  expect(message?.embeds).toHaveLength(1);
  return message!.embeds[0] as Embed;
}

function field(embed: Embed, name: string): string | undefined {
  return embed.fields?.find((f) => f.name === name)?.value;
}

describe('event notifications against the Discord emulator and Postgres', () => {
  let f: NotificationFixture;
  let offerId: string;
  let alice: string;

  beforeAll(async () => {
    f = await NotificationFixture.start();
    offerId = await f.offer('VIP Monthly', 129_900, 'EUR');
    [alice] = f.seed.userIds as [string];
    await f.customer('cus_alice', 'alice@example.com', alice);
    await f.customer('cus_bob', 'bob@example.org');
  });

  beforeEach(async () => {
    await f.configure();
  });

  afterAll(async () => {
    await f.stop();
  });

  it('posts a successful payment to #payments: title, offer, amount for the locale, mention, timestamp, green', async () => {
    const before = f.messages(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.succeeded', offerId, 'cus_alice', {
      payment: { amountInCents: 129_900, currency: 'EUR' },
    });
    expect(await f.send(id)).toBeUndefined();
    const posted = f.messages(f.seed.paymentsChannelId).slice(before);
    expect(posted).toHaveLength(1);
    const embed = embedOf(posted[0]);
    expect(embed).toMatchObject({ title: 'Payment received: VIP Monthly', color: EMBED_COLORS.success });
    expect(field(embed, 'Offer')).toBe('VIP Monthly');
    expect(field(embed, 'Amount')).toBe('€1,299.00');
    expect(field(embed, 'Customer')).toBe(`<@${alice}>`);
    expect(embed.timestamp).toEqual(expect.any(String));
    expect(await f.deliveryOf(id)).toMatchObject({ status: 'sent', messageId: posted[0]!.id, attempts: 1 });
    expect(posted[0]!.nonce).toBe((await f.deliveryOf(id))!.nonce);
    const audit = await f.t.sql(
      `SELECT kind, reason, discord_user_id, detail->>'messageId' AS message_id FROM audit_log WHERE detail->>'deliveryKey' = $1`,
      [`event:${id}`],
    );
    expect(audit).toEqual([
      {
        kind: 'notification.sent',
        reason: 'payment.succeeded notification of event evt_1 posted in the payment channel',
        discord_user_id: alice,
        message_id: posted[0]!.id,
      },
    ]);
  });

  it('posts a failed payment to #payments with the reason and the masked e-mail of an unlinked customer', async () => {
    const before = f.messages(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.failed', offerId, 'cus_bob', {
      email: 'bob@example.org',
      payment: { amountInCents: 1_250, currency: 'USD', failureReason: 'Card declined (insufficient funds)' },
    });
    expect(await f.send(id)).toBeUndefined();
    const embed = embedOf(f.messages(f.seed.paymentsChannelId)[before]);
    expect(embed).toMatchObject({ title: 'Payment failed: VIP Monthly', color: EMBED_COLORS.failure });
    expect(field(embed, 'Amount')).toBe('$12.50');
    expect(field(embed, 'Customer')).toBe('b***@example.org');
    expect(field(embed, 'Reason')).toBe('Card declined (insufficient funds)');
    expect(JSON.stringify(f.messages(f.seed.paymentsChannelId))).not.toContain('bob@example.org');
  });

  it('posts a new subscription to #general with the offer price', async () => {
    const before = f.messages(f.seed.generalChannelId).length;
    const id = await f.event('subscription.created', offerId, 'cus_alice');
    expect(await f.send(id)).toBeUndefined();
    const embed = embedOf(f.messages(f.seed.generalChannelId)[before]);
    expect(embed).toMatchObject({ title: 'New subscription: VIP Monthly', color: EMBED_COLORS.created });
    expect(field(embed, 'Price')).toBe('€1,299.00');
    expect(field(embed, 'Customer')).toBe(`<@${alice}>`);
  });

  it('posts a cancellation to #general with how long access lasts', async () => {
    const before = f.messages(f.seed.generalChannelId).length;
    const id = await f.event('subscription.canceled', offerId, 'cus_bob', {
      status: 'CANCELED',
      cancelAtPeriodEnd: true,
    });
    expect(await f.send(id)).toBeUndefined();
    const embed = embedOf(f.messages(f.seed.generalChannelId)[before]);
    expect(embed).toMatchObject({
      title: 'Subscription canceled: VIP Monthly',
      color: EMBED_COLORS.canceled,
    });
    expect(field(embed, 'Access')).toMatch(/^Until <t:\d+:D>$/);
    expect(field(embed, 'Customer')).toBe('b***@example.org');
  });

  it('formats amounts for the configured locale', async () => {
    const german = f.eventsOver(f.delivery, 'de-DE');
    const before = f.messages(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.succeeded', offerId, 'cus_alice', {
      payment: { amountInCents: 129_900, currency: 'EUR' },
    });
    await f.send(id, german);
    const amount = field(embedOf(f.messages(f.seed.paymentsChannelId)[before]), 'Amount');
    expect(amount?.replace(/\s/g, ' ')).toBe('1.299,00 €');
  });

  it('posts nothing for a toggle that is off, nor where no channel is set, nor for an update', async () => {
    const calls = f.emulator.stats.requests().length;
    await f.configure({ notifyPaymentFailed: false, generalChannelId: null });
    const failed = await f.event('payment.failed', offerId, 'cus_alice');
    expect(await f.send(failed)).toEqual({
      status: 'skipped',
      reason: 'Payment failed notifications are turned off',
    });
    const created = await f.event('subscription.created', offerId, 'cus_alice');
    expect(await f.send(created)).toEqual({ status: 'skipped', reason: 'No general channel is set' });
    const updated = await f.event('subscription.updated', offerId, 'cus_alice');
    expect(await f.send(updated)).toEqual({
      status: 'skipped',
      reason: 'subscription.updated is not notified',
    });
    expect(f.emulator.stats.requests().length).toBe(calls);
    expect(await f.deliveryOf(failed)).toMatchObject({
      status: 'skipped',
      lastError: 'Payment failed notifications are turned off',
    });
  });

  it('posts exactly once when the job runs twice', async () => {
    const before = f.messages(f.seed.paymentsChannelId).length;
    const calls = f.postsTo(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.succeeded', offerId, 'cus_alice');
    expect(await f.send(id)).toBeUndefined();
    expect(await f.send(id)).toEqual({ status: 'skipped', reason: 'already sent' });
    expect(f.messages(f.seed.paymentsChannelId)).toHaveLength(before + 1);
    expect(f.postsTo(f.seed.paymentsChannelId)).toHaveLength(calls + 1);
    expect(await f.deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('posts exactly once when a run dies after the Discord call but before recording it', async () => {
    const repos = f.t.db.repositories;
    const crashing = f.eventsOver(
      f.deliveryOver({
        ...repos,
        notificationDeliveries: {
          begin: (input) => repos.notificationDeliveries.begin(input),
          finish: () => Promise.reject(new Error('the process was killed')),
        },
      }),
    );
    const before = f.messages(f.seed.paymentsChannelId).length;
    const calls = f.postsTo(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.succeeded', offerId, 'cus_alice');

    await expect(f.send(id, crashing)).rejects.toThrow('the process was killed');
    expect(await f.deliveryOf(id)).toMatchObject({ status: 'sending', messageId: null });
    const first = f.messages(f.seed.paymentsChannelId).slice(before);
    expect(first).toHaveLength(1);

    expect(await f.send(id)).toBeUndefined();
    // The retry reached Discord, which answered with the first message (same nonce, enforce_nonce).
    expect(
      f
        .postsTo(f.seed.paymentsChannelId)
        .slice(calls)
        .map((entry) => entry.status),
    ).toEqual([200, 200]);
    expect(f.messages(f.seed.paymentsChannelId).slice(before)).toEqual(first);
    expect(await f.deliveryOf(id)).toMatchObject({ status: 'sent', messageId: first[0]!.id, attempts: 2 });
  });

  it('retries a Discord outage with the same nonce and posts once', async () => {
    const before = f.messages(f.seed.paymentsChannelId).length;
    const id = await f.event('payment.succeeded', offerId, 'cus_alice');
    f.emulator.faults.setServerErrorRate(1, [503]);
    try {
      await expect(f.send(id)).rejects.toMatchObject({ classification: { kind: 'retryable' } });
    } finally {
      f.emulator.faults.clear();
    }
    expect(await f.deliveryOf(id)).toMatchObject({ status: 'sending' });
    expect(await f.send(id)).toBeUndefined();
    expect(f.messages(f.seed.paymentsChannelId)).toHaveLength(before + 1);
  });

  it('marks a deleted channel broken and alerts once, with one failed call for several events', async () => {
    const deleted = '1199999999999999999';
    await f.configure({ paymentChannelId: deleted });
    const ids = [
      await f.event('payment.succeeded', offerId, 'cus_alice'),
      await f.event('payment.failed', offerId, 'cus_bob'),
      await f.event('payment.succeeded', offerId, 'cus_bob'),
    ];
    const outcomes = [];
    for (const id of ids) outcomes.push(await f.send(id));

    expect(outcomes[0]).toEqual({
      status: 'skipped',
      reason: `Discord refused posts in the payment notification channel (${deleted}, code 10003): ${MERCHANT_FIXES.unknown_channel}`,
    });
    expect(outcomes.slice(1)).toEqual([
      { status: 'skipped', reason: `The payment channel is unavailable: ${MERCHANT_FIXES.unknown_channel}` },
      { status: 'skipped', reason: `The payment channel is unavailable: ${MERCHANT_FIXES.unknown_channel}` },
    ]);
    expect(f.postsTo(deleted).map((entry) => [entry.status, entry.code])).toEqual([[404, 10003]]);
    const guild = await f.t.db.repositories.discordGuilds.findById(f.guildId);
    expect(guild?.brokenChannels).toEqual({ [deleted]: MERCHANT_FIXES.unknown_channel });
    expect(
      await f.t.sql(
        `SELECT kind, subject, occurrences FROM merchant_alert WHERE guild_id = $1 AND kind = 'channel_broken'`,
        [f.guildId],
      ),
    ).toEqual([{ kind: 'channel_broken', subject: deleted, occurrences: 1 }]);
    expect(await f.deliveryOf(ids[0]!)).toMatchObject({ status: 'failed' });
    expect(await f.deliveryOf(ids[1]!)).toMatchObject({ status: 'skipped' });
    expect(
      await f.t.sql(`SELECT kind FROM audit_log WHERE detail->>'deliveryKey' = ANY($1) ORDER BY id`, [
        ids.map((id) => `event:${id}`),
      ]),
    ).toEqual([{ kind: 'notification.failed' }]);
  });

  it('marks a channel the bot may not post in broken (50013) without retrying', async () => {
    const readOnly = f.emulator.state.createChannel(f.guildId, {
      name: 'announcements',
      permissionOverwrites: [{ id: f.seed.botRoleId, type: 0, deny: PermissionFlags.SEND_MESSAGES }],
    });
    await f.configure({ paymentChannelId: readOnly.id });
    const id = await f.event('payment.succeeded', offerId, 'cus_alice');
    expect(await f.send(id)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('code 50013'),
    });
    expect((await f.t.db.repositories.discordGuilds.findById(f.guildId))?.brokenChannels).toEqual({
      [readOnly.id]: MERCHANT_FIXES.missing_permissions,
    });
    expect(f.postsTo(readOnly.id)).toHaveLength(1);
  });
});
