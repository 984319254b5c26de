import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermissionFlags } from '@inflow/discord-emulator';
import { eventually } from '@inflow/testing';
// The shared e2e harness: the built services as processes, their database and Redis prefix, the emulator.
import {
  createOffer,
  linkCustomer,
  merchantWithGuild,
  subscriptionEvent,
  type Merchant,
} from '../../../packages/e2e/src/merchant-setup';
import { Stack } from '../../../packages/e2e/src/stack';

describe('notifications end to end (api + notification-worker as processes, the emulator as Discord)', () => {
  let stack: Stack;
  let acme: Merchant;
  let offerId: string;

  beforeAll(async () => {
    stack = await Stack.start({ services: ['api', 'notification-worker'] });
    acme = await merchantWithGuild(stack);
    offerId = await createOffer(stack, acme, stack.seed.vipRoleId);
    await linkCustomer(stack, acme, 'cus_alice', stack.seed.userIds[0]!);
  });

  afterAll(async () => {
    await stack.stop();
  });

  const titles = (channelId: string) =>
    stack.emulator.state
      .messages(channelId)
      .map((message) => String(message.embeds[0]?.['title']))
      .sort();

  it('posts each of the four events to the channel PUT /discord/guilds/:guildId chose', async () => {
    const configured = await stack.api('PUT', `/discord/guilds/${stack.guildId}`, acme.apiKey, {
      paymentChannelId: stack.seed.paymentsChannelId,
      generalChannelId: stack.seed.generalChannelId,
      notifications: {
        paymentSucceeded: true,
        paymentFailed: true,
        subscriptionCreated: true,
        subscriptionCanceled: true,
      },
    });
    expect(configured.status).toBe(200);

    const events = [
      subscriptionEvent(offerId, 'sub_alice', 'cus_alice', 'subscription.created', 'ACTIVE'),
      subscriptionEvent(offerId, 'sub_alice', 'cus_alice', 'payment.succeeded', 'ACTIVE'),
      subscriptionEvent(offerId, 'sub_alice', 'cus_alice', 'payment.failed', 'PAST_DUE'),
      subscriptionEvent(offerId, 'sub_alice', 'cus_alice', 'subscription.canceled', 'CANCELED', {
        cancelAtPeriodEnd: true,
      }),
    ];
    for (const event of events) {
      const accepted = await stack.api('POST', '/events', acme.apiKey, event);
      expect(accepted.status).toBe(202);
    }

    await eventually(() => {
      expect(titles(stack.seed.paymentsChannelId)).toEqual([
        'Payment failed: VIP Monthly',
        'Payment received: VIP Monthly',
      ]);
      expect(titles(stack.seed.generalChannelId)).toEqual([
        'New subscription: VIP Monthly',
        'Subscription canceled: VIP Monthly',
      ]);
    }, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- notification-worker ---\n${stack.logs('notification-worker')}`);
    });
    const alice = stack.seed.userIds[0]!;
    for (const message of stack.emulator.state.messages(stack.seed.paymentsChannelId)) {
      expect(JSON.stringify(message.embeds)).toContain(`<@${alice}>`);
    }

    // A message is visible in Discord before the worker has recorded it, so the counters may lag a moment.
    await eventually(async () => {
      const metrics = await fetch(`http://127.0.0.1:${stack.ports.get('notification-worker')}/metrics`);
      const text = await metrics.text();
      for (const kind of [
        'payment_succeeded',
        'payment_failed',
        'subscription_created',
        'subscription_canceled',
      ])
        expect(text).toMatch(
          new RegExp(`^notifications_total\\{kind="${kind}",outcome="sent"[^}]*\\} 1$`, 'm'),
        );
    });
  });

  it('stops posting to a channel the bot lost access to and tells the merchant once in #general', async () => {
    const payments = stack.seed.paymentsChannelId;
    stack.emulator.state.updateChannel(payments, {
      permissionOverwrites: [{ id: stack.seed.botRoleId, type: 0, deny: PermissionFlags.SEND_MESSAGES }],
    });
    const since = Date.now();
    for (const type of ['payment.succeeded', 'payment.failed', 'payment.succeeded'] as const) {
      const event = subscriptionEvent(offerId, 'sub_alice', 'cus_alice', type, 'ACTIVE');
      expect((await stack.api('POST', '/events', acme.apiKey, event)).status).toBe(202);
    }

    const alertTitle = 'Action needed: a notification channel is unavailable';
    await eventually(() => {
      expect(titles(stack.seed.generalChannelId).filter((title) => title === alertTitle)).toHaveLength(1);
    }, 20_000);
    const refused = stack.emulator.stats
      .requests({ route: '/channels/{channel_id}/messages', since })
      .filter((entry) => entry.path === `/channels/${payments}/messages`);
    // Each event tries at most once (no retries); the ones after the first see the channel marked broken.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(3);
    expect(refused.every((entry) => entry.status === 403 && entry.code === 50013)).toBe(true);
    const alerts = await stack.t.sql(
      `SELECT kind, subject FROM merchant_alert WHERE guild_id = $1 AND resolved_at IS NULL`,
      [stack.guildId],
    );
    expect(alerts).toEqual([{ kind: 'channel_broken', subject: payments }]);
  });
});
