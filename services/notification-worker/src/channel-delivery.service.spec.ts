import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DiscordRequestError,
  MERCHANT_FIXES,
  operationalAlertEmbed,
  type DiscordErrorClass,
  type MerchantActionCode,
} from '@inflow/discord';
import { PermanentJobError, RateLimitedJobError } from '@inflow/queue';
import {
  ChannelDeliveryService,
  type DeliveryOutcome,
  type DeliveryRequest,
} from './channel-delivery.service';
import {
  FakeBot,
  FakeDeliveryRepositories,
  GENERAL_CHANNEL,
  GUILD_ID,
  MERCHANT_ID,
  PAYMENT_CHANNEL,
  USER_ID,
} from './test/fakes';

const NOW = new Date('2026-11-24T10:00:00Z');

function discordError(status: number | null, code: number | null, classification: DiscordErrorClass) {
  return new DiscordRequestError({
    method: 'POST',
    route: '/channels/{channel_id}/messages',
    auth: 'bot',
    status,
    code,
    classification,
    detail: 'refused',
  });
}

function merchantAction(status: number, code: number, action: MerchantActionCode) {
  return discordError(status, code, {
    kind: 'needs_merchant_action',
    code: action,
    fix: MERCHANT_FIXES[action],
  });
}

const serverError = () => discordError(503, null, { kind: 'retryable', reason: 'server_error' });

describe('ChannelDeliveryService', () => {
  let repos: FakeDeliveryRepositories;
  let bot: FakeBot;
  let outcomes: Array<[string, DeliveryOutcome]>;
  let service: ChannelDeliveryService;

  beforeEach(() => {
    repos = new FakeDeliveryRepositories();
    bot = new FakeBot();
    outcomes = [];
    service = new ChannelDeliveryService({
      repositories: repos,
      bot,
      now: () => NOW,
      onOutcome: (kind, outcome) => outcomes.push([kind, outcome]),
    });
  });

  function request(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
    return {
      merchantId: MERCHANT_ID,
      guildId: GUILD_ID,
      deliveryKey: 'event:7b0c8a52-3f4e-4c1d-9a2b-6e5f4d3c2b1a',
      kind: 'payment_failed',
      targets: [{ channelId: PAYMENT_CHANNEL, purpose: 'payment' }],
      message: operationalAlertEmbed('missing_permissions', { summary: 'test' }),
      subject: 'payment.failed notification of event evt_1',
      discordUserId: USER_ID,
      detail: { eventId: 'evt_1' },
      lastAttempt: false,
      ...overrides,
    };
  }

  it('posts with a stored nonce, records the message and the audit entry, and ends a broken-channel alert', async () => {
    const result = await service.deliver(request());
    expect(result).toEqual({ status: 'sent', channelId: PAYMENT_CHANNEL, messageId: '1400000000000000001' });
    const delivery = repos.only();
    expect(delivery).toMatchObject({
      status: 'sent',
      messageId: '1400000000000000001',
      channelId: PAYMENT_CHANNEL,
    });
    expect(delivery.nonce).toMatch(/^[\w-]{1,25}$/);
    expect(bot.posts).toEqual([
      {
        channelId: PAYMENT_CHANNEL,
        input: expect.objectContaining({ nonce: delivery.nonce, allowedMentions: { parse: [] } }),
      },
    ]);
    expect(repos.audit).toEqual([
      {
        merchantId: MERCHANT_ID,
        guildId: GUILD_ID,
        discordUserId: USER_ID,
        roleId: null,
        kind: 'notification.sent',
        reason: 'payment.failed notification of event evt_1 posted in the payment channel',
        detail: {
          eventId: 'evt_1',
          channelId: PAYMENT_CHANNEL,
          messageId: '1400000000000000001',
          deliveryKey: 'event:7b0c8a52-3f4e-4c1d-9a2b-6e5f4d3c2b1a',
          notification: 'payment_failed',
        },
      },
    ]);
    expect(repos.resolved).toEqual([{ kind: 'channel_broken', subject: PAYMENT_CHANNEL }]);
    expect(outcomes).toEqual([['payment_failed', 'sent']]);
  });

  it('makes no call for a delivery already sent', async () => {
    await service.deliver(request());
    const again = await service.deliver(request());
    expect(again).toMatchObject({ status: 'duplicate', delivery: { status: 'sent' } });
    expect(bot.posts).toHaveLength(1);
    expect(repos.audit).toHaveLength(1);
    expect(outcomes.at(-1)).toEqual(['payment_failed', 'duplicate']);
  });

  it('retries a 5xx by throwing it, and the retry posts with the same nonce', async () => {
    const error = serverError();
    bot.answer(error);
    await expect(service.deliver(request())).rejects.toBe(error);
    expect(repos.only()).toMatchObject({ status: 'sending', attempts: 1 });
    expect(repos.audit).toEqual([]);
    await service.deliver(request());
    expect(bot.posts.map((post) => post.input.nonce)).toEqual([repos.only().nonce, repos.only().nonce]);
    expect(repos.only()).toMatchObject({ status: 'sent', attempts: 2 });
    expect(outcomes.map(([, outcome]) => outcome)).toEqual(['retry', 'sent']);
  });

  it('records a 5xx on the last attempt as failed before throwing it', async () => {
    bot.answer(serverError());
    await expect(service.deliver(request({ lastAttempt: true }))).rejects.toBeInstanceOf(DiscordRequestError);
    expect(repos.only()).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('Discord kept failing'),
    });
    expect(repos.audit.map((entry) => entry.kind)).toEqual(['notification.failed']);
  });

  it('releases a rate-limited job without recording a failure', async () => {
    bot.answer(
      discordError(429, null, { kind: 'rate_limited', retryAfterMs: 7_000, scope: 'user', global: false }),
    );
    const thrown = await service.deliver(request()).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(RateLimitedJobError);
    expect((thrown as RateLimitedJobError).retryAfterMs).toBe(7_000);
    expect(repos.only().status).toBe('sending');
    expect(repos.audit).toEqual([]);
  });

  it.each<[number, number, MerchantActionCode]>([
    [404, 10003, 'unknown_channel'],
    [403, 50001, 'missing_access'],
    [403, 50013, 'missing_permissions'],
    [400, 50008, 'channel_not_text'],
  ])(
    '%d %d: marks the channel broken with the fix, alerts the merchant, fails without retry',
    async (status, code, action) => {
      bot.answer(merchantAction(status, code, action));
      const result = await service.deliver(request());
      expect(result).toEqual({ status: 'failed', reason: expect.stringContaining(MERCHANT_FIXES[action]) });
      expect(repos.broken).toEqual([
        { guildId: GUILD_ID, channelId: PAYMENT_CHANNEL, reason: MERCHANT_FIXES[action] },
      ]);
      expect(repos.alerts).toEqual([
        {
          kind: 'channel_broken',
          subject: PAYMENT_CHANNEL,
          message: `Discord refused posts in the payment notification channel (${PAYMENT_CHANNEL}, code ${code}): ${MERCHANT_FIXES[action]}`,
        },
      ]);
      expect(repos.only()).toMatchObject({ status: 'failed' });
      expect(repos.audit).toEqual([
        expect.objectContaining({
          kind: 'notification.failed',
          reason: expect.stringContaining(MERCHANT_FIXES[action]),
        }),
      ]);
      expect(outcomes).toEqual([['payment_failed', 'failed']]);
    },
  );

  it('tries the next channel when one is refused', async () => {
    bot.answer(merchantAction(404, 10003, 'unknown_channel'));
    const result = await service.deliver(
      request({
        kind: 'operational_alert',
        targets: [
          { channelId: GENERAL_CHANNEL, purpose: 'general' },
          { channelId: PAYMENT_CHANNEL, purpose: 'payment' },
        ],
      }),
    );
    expect(result).toMatchObject({ status: 'sent', channelId: PAYMENT_CHANNEL });
    expect(bot.posts.map((post) => post.channelId)).toEqual([GENERAL_CHANNEL, PAYMENT_CHANNEL]);
    expect(repos.broken.map((entry) => entry.channelId)).toEqual([GENERAL_CHANNEL]);
    expect(repos.only().status).toBe('sent');
  });

  it('marks the guild removed when the bot is gone, and completes', async () => {
    bot.answer(discordError(404, 10004, { kind: 'guild_gone' }));
    expect(await service.deliver(request())).toEqual({
      status: 'failed',
      reason: 'The bot is no longer in the server.',
    });
    expect(repos.removed).toEqual([GUILD_ID]);
    expect(repos.only().status).toBe('failed');
    expect(repos.broken).toEqual([]);
  });

  it.each([
    ['an invalid form body', discordError(400, 50035, { kind: 'bug', reason: 'invalid_form_body' })],
    ['an unknown role', merchantAction(404, 10011, 'unknown_role')],
    ['a rejected bot token', discordError(401, 0, { kind: 'bug', reason: 'bot_token_rejected' })],
    ['a non-Discord error', new RangeError('channelId must be a snowflake')],
  ])('fails %s at once as a bug, recorded', async (_name, error) => {
    bot.answer(error);
    await expect(service.deliver(request())).rejects.toBeInstanceOf(PermanentJobError);
    expect(repos.only().status).toBe('failed');
    expect(repos.audit.map((entry) => entry.kind)).toEqual(['notification.failed']);
    expect(repos.broken).toEqual([]);
  });

  it('records a skip, and leaves a settled or failed delivery as it is', async () => {
    const key = { merchantId: MERCHANT_ID, guildId: GUILD_ID, kind: 'payment_succeeded' as const };
    expect(
      await service.skip(
        { ...key, deliveryKey: 'event:a' },
        null,
        'Payment succeeded notifications are turned off',
      ),
    ).toEqual({
      status: 'skipped',
      reason: 'Payment succeeded notifications are turned off',
    });
    expect(repos.deliveries.get(`event:a|${GUILD_ID}`)).toMatchObject({
      status: 'skipped',
      lastError: 'Payment succeeded notifications are turned off',
    });

    await service.deliver(request({ deliveryKey: 'event:b' }));
    expect(await service.skip({ ...key, deliveryKey: 'event:b' }, null, 'turned off')).toEqual({
      status: 'skipped',
      reason: 'already sent',
    });
    expect(repos.deliveries.get(`event:b|${GUILD_ID}`)?.status).toBe('sent');

    bot.answer(merchantAction(404, 10003, 'unknown_channel'));
    await service.deliver(request({ deliveryKey: 'event:c' }));
    await service.skip(
      { ...key, deliveryKey: 'event:c' },
      PAYMENT_CHANNEL,
      'The payment channel is unavailable',
    );
    expect(repos.deliveries.get(`event:c|${GUILD_ID}`)?.status).toBe('failed');
    expect(bot.posts).toHaveLength(2);
  });
});
