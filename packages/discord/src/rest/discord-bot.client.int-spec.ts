import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ChannelType,
  type DemoSeed,
  type DiscordEmulator,
  PermissionFlags,
  startEmulator,
} from '@inflow/discord-emulator';
import { deleteRedisKeys, uniqueRedisPrefix } from '@inflow/testing';
import { type DiscordErrorClass } from '../errors/discord-error-class';
import { MERCHANT_FIXES } from '../errors/discord-failure';
import { connectRedis, countingLimiter, rejectionOf, type TestRedis } from '../test/integration-fixtures';
import { DiscordBotClient, type DiscordBotClientOptions } from './discord-bot.client';
import { DiscordRequestError } from './discord-request-error';
import { type RateLimitedEvent } from './discord-transport';

const prefix = uniqueRedisPrefix('discord-bot-client');
let redis: TestRedis;
let emulator: DiscordEmulator;
let seed: DemoSeed;
let bot: DiscordBotClient;

function botClient(overrides: Partial<DiscordBotClientOptions> = {}): DiscordBotClient {
  return new DiscordBotClient({
    apiBaseUrl: emulator.apiBaseUrl,
    token: emulator.botToken,
    limiter: countingLimiter(redis, `${prefix}:global`),
    retries: 1,
    timeoutMs: 5_000,
    ...overrides,
  });
}

/** Asserts a DiscordRequestError of this status, Discord code and class. */
async function expectFailure(
  promise: Promise<unknown>,
  expected: { status: number | null; code: number | null; classification: DiscordErrorClass },
): Promise<DiscordRequestError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(DiscordRequestError);
  const failure = error as DiscordRequestError;
  expect({ status: failure.status, code: failure.code, classification: failure.classification }).toEqual(
    expected,
  );
  expect(failure.message).not.toContain(emulator.botToken);
  return failure;
}

/** A live OAuth token of `userId` with `guilds.join`, as a customer's link would hold. */
function joinToken(userId: string): string {
  return emulator.state.oauth.issueTokens(userId, ['identify', 'guilds.join'], null).accessToken;
}

beforeAll(async () => {
  redis = await connectRedis('discord-bot-client-test');
  emulator = await startEmulator({ memberRoleBucket: { limit: 100, windowMs: 1_000 } });
});

afterAll(async () => {
  await emulator.stop();
  await redis.quit();
  await deleteRedisKeys(prefix);
});

beforeEach(() => {
  seed = emulator.state.seedDemo();
  bot = botClient();
});

afterEach(() => {
  emulator.faults.clear();
});

describe('DiscordBotClient against the emulator', () => {
  it('grants and removes a role, recording the audit-log reason', async () => {
    const [alice] = seed.userIds;
    const reason = 'Subscription sub_1 active: Abo für 🎉 VIP';

    await bot.addMemberRole(seed.guildId, alice!, seed.vipRoleId, reason);
    expect(emulator.state.memberRoles(seed.guildId, alice!)).toContain(seed.vipRoleId);
    await bot.removeMemberRole(seed.guildId, alice!, seed.vipRoleId, 'Subscription sub_1 expired');
    expect(emulator.state.memberRoles(seed.guildId, alice!)).not.toContain(seed.vipRoleId);

    const logged = emulator.stats.requests({ route: `/guilds/${seed.guildId}/members/${alice!}/roles/` });
    expect(logged.map((entry) => [entry.method, entry.status, entry.auditLogReason])).toEqual([
      ['PUT', 204, reason],
      ['DELETE', 204, 'Subscription sub_1 expired'],
    ]);
  });

  it('cuts a long audit-log reason to 512 characters', async () => {
    const [alice] = seed.userIds;
    await bot.addMemberRole(seed.guildId, alice!, seed.vipRoleId, `${'é'.repeat(600)}`);
    const [entry] = emulator.stats.requests({ route: `/guilds/${seed.guildId}/members/${alice!}/roles/` });
    expect(entry?.auditLogReason).toHaveLength(512);
    expect(entry?.auditLogReason?.endsWith('…')).toBe(true);
  });

  it('reads guild, roles, channels, members, the bot member and the gateway', async () => {
    const [alice] = seed.userIds;
    const [guild, roles, channels, member, botMember, gateway] = await Promise.all([
      bot.getGuild(seed.guildId),
      bot.getGuildRoles(seed.guildId),
      bot.getGuildChannels(seed.guildId),
      bot.getMember(seed.guildId, alice!),
      bot.getBotMember(seed.guildId),
      bot.getGatewayBot(),
    ]);
    expect(guild.id).toBe(seed.guildId);
    expect(roles.map((role) => role.id)).toEqual(expect.arrayContaining([seed.vipRoleId, seed.botRoleId]));
    expect(channels.map((channel) => channel.id)).toEqual(
      expect.arrayContaining([seed.paymentsChannelId, seed.generalChannelId]),
    );
    expect(member.roles).toEqual([seed.memberRoleId]);
    expect(botMember.user.id).toBe(emulator.botUserId);
    expect(botMember.roles).toEqual([seed.botRoleId]);
    expect(gateway.url).toBe(emulator.gatewayUrl);
  });

  it('posts a message with embeds that pings nobody', async () => {
    const message = await bot.createMessage(seed.paymentsChannelId, {
      content: `<@${seed.userIds[0]!}> @everyone`,
      embeds: [{ title: 'Payment received', color: 0x2ecc71 }],
      nonce: 'notify-evt-1',
    });
    expect(message.channel_id).toBe(seed.paymentsChannelId);
    expect(emulator.state.messages(seed.paymentsChannelId)).toHaveLength(1);
  });

  describe('add guild member (201 vs 204)', () => {
    it('adds a new member with the roles (201), and reports an existing one (204, roles ignored)', async () => {
      const carol = seed.userIds[2]!;
      const token = joinToken(carol);

      const first = await bot.addGuildMember(seed.guildId, carol, token, [seed.vipRoleId]);
      expect(first).toMatchObject({ added: true, member: { user: { id: carol }, roles: [seed.vipRoleId] } });

      await bot.removeMemberRole(seed.guildId, carol, seed.vipRoleId, 'test');
      const second = await bot.addGuildMember(seed.guildId, carol, token, [seed.vipRoleId]);
      expect(second).toEqual({ added: false });
      // 204: Discord did not apply the roles; the caller has to grant them one by one.
      expect(emulator.state.memberRoles(seed.guildId, carol)).toEqual([]);
    });
  });

  describe("every error of FACTS.md's table, produced by the emulator and classified", () => {
    it('50013: the bot role is below the role to grant', async () => {
      emulator.state.moveBotRole(seed.guildId, 1);
      const error = await expectFailure(
        bot.addMemberRole(seed.guildId, seed.userIds[0]!, seed.vipRoleId, 'x'),
        {
          status: 403,
          code: 50013,
          classification: {
            kind: 'needs_merchant_action',
            code: 'missing_permissions',
            fix: MERCHANT_FIXES.missing_permissions,
          },
        },
      );
      expect(error).toMatchObject({
        method: 'PUT',
        route: '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
        auth: 'bot',
      });
    });

    it('10011: the role was deleted', async () => {
      emulator.state.deleteRole(seed.guildId, seed.vipRoleId);
      await expectFailure(bot.addMemberRole(seed.guildId, seed.userIds[0]!, seed.vipRoleId, 'x'), {
        status: 404,
        code: 10011,
        classification: {
          kind: 'needs_merchant_action',
          code: 'unknown_role',
          fix: MERCHANT_FIXES.unknown_role,
        },
      });
    });

    it('10007: the user is not in the guild', async () => {
      await expectFailure(bot.addMemberRole(seed.guildId, seed.userIds[2]!, seed.vipRoleId, 'x'), {
        status: 404,
        code: 10007,
        classification: { kind: 'pending', reason: 'unknown_member' },
      });
    });

    it('40007: the user is banned', async () => {
      const carol = seed.userIds[2]!;
      emulator.state.ban(seed.guildId, carol, 'spam');
      await expectFailure(bot.addGuildMember(seed.guildId, carol, joinToken(carol), []), {
        status: 403,
        code: 40007,
        classification: { kind: 'blocked', reason: 'banned' },
      });
    });

    it('50025: the customer revoked the token', async () => {
      const carol = seed.userIds[2]!;
      const token = joinToken(carol);
      emulator.state.revokeUserTokens(carol);
      await expectFailure(bot.addGuildMember(seed.guildId, carol, token, []), {
        status: 403,
        code: 50025,
        classification: { kind: 'token_invalid', reason: 'invalid_oauth_token' },
      });
    });

    it('30001: the user is at the guild cap', async () => {
      const carol = seed.userIds[2]!;
      const other = emulator.state.seedDemo();
      emulator.state.joinGuild(other.guildId, carol);
      emulator.state.updateUser(carol, { maxGuilds: 1 });
      await expectFailure(bot.addGuildMember(seed.guildId, carol, joinToken(carol), []), {
        status: 400,
        code: 30001,
        classification: { kind: 'user_at_guild_cap' },
      });
    });

    it('10004 and 50001: the bot was removed from the guild', async () => {
      emulator.state.removeBot(seed.guildId);
      await expectFailure(bot.getGuild(seed.guildId), {
        status: 404,
        code: 10004,
        classification: { kind: 'guild_gone' },
      });
      await expectFailure(bot.addMemberRole(seed.guildId, seed.userIds[0]!, seed.vipRoleId, 'x'), {
        status: 403,
        code: 50001,
        classification: {
          kind: 'needs_merchant_action',
          code: 'missing_access',
          fix: MERCHANT_FIXES.missing_access,
        },
      });
    });

    it('10003: the channel does not exist', async () => {
      await expectFailure(bot.createMessage('1399999999999999999', { content: 'hello' }), {
        status: 404,
        code: 10003,
        classification: {
          kind: 'needs_merchant_action',
          code: 'unknown_channel',
          fix: MERCHANT_FIXES.unknown_channel,
        },
      });
    });

    it('50001 and 50013: channel overwrites deny the bot View Channel, then Send Messages', async () => {
      emulator.state.updateChannel(seed.generalChannelId, {
        permissionOverwrites: [{ id: seed.botRoleId, type: 0, deny: PermissionFlags.VIEW_CHANNEL }],
      });
      await expectFailure(bot.createMessage(seed.generalChannelId, { content: 'hello' }), {
        status: 403,
        code: 50001,
        classification: {
          kind: 'needs_merchant_action',
          code: 'missing_access',
          fix: MERCHANT_FIXES.missing_access,
        },
      });
      emulator.state.updateChannel(seed.generalChannelId, {
        permissionOverwrites: [{ id: seed.botRoleId, type: 0, deny: PermissionFlags.SEND_MESSAGES }],
      });
      await expectFailure(bot.createMessage(seed.generalChannelId, { content: 'hello' }), {
        status: 403,
        code: 50013,
        classification: {
          kind: 'needs_merchant_action',
          code: 'missing_permissions',
          fix: MERCHANT_FIXES.missing_permissions,
        },
      });
    });

    it('50008: the channel cannot hold messages', async () => {
      const category = emulator.state.createChannel(seed.guildId, {
        name: 'Info',
        type: ChannelType.GUILD_CATEGORY,
      });
      await expectFailure(bot.createMessage(category.id, { content: 'hello' }), {
        status: 400,
        code: 50008,
        classification: {
          kind: 'needs_merchant_action',
          code: 'channel_not_text',
          fix: MERCHANT_FIXES.channel_not_text,
        },
      });
    });

    it('50035: invalid form body, with the field errors', async () => {
      const error = await expectFailure(
        bot.createMessage(seed.generalChannelId, { content: 'x'.repeat(2_001) }),
        {
          status: 400,
          code: 50035,
          classification: { kind: 'bug', reason: 'invalid_form_body' },
        },
      );
      expect(JSON.stringify(error.fieldErrors)).toContain('content');
    });

    it('401 code 0: a bad bot token, and no further request afterwards', async () => {
      const wrong = botClient({ token: 'not-the-bot-token' });
      const error = await expectFailure(wrong.getGuild(seed.guildId), {
        status: 401,
        code: 0,
        classification: { kind: 'bug', reason: 'bot_token_rejected' },
      });
      expect(error.message).not.toContain('not-the-bot-token');
      const before = emulator.stats.totalRequests;
      await expectFailure(wrong.getGuild(seed.guildId), {
        status: 401,
        code: 0,
        classification: { kind: 'bug', reason: 'bot_token_rejected' },
      });
      expect(emulator.stats.totalRequests).toBe(before);
    });
  });

  describe('transient failures', () => {
    it('retries a 5xx through the shared limiter, then reports it retryable', async () => {
      const limiter = countingLimiter(redis, `${prefix}:global`);
      const client = botClient({ limiter, retries: 2 });
      emulator.faults.setServerErrorRate(1, [503]);
      await expectFailure(client.getGuild(seed.guildId), {
        status: 503,
        code: null,
        classification: { kind: 'retryable', reason: 'server_error' },
      });
      expect(emulator.stats.requests({ route: `/guilds/${seed.guildId}`, status: 503 })).toHaveLength(3);
      expect(limiter.acquired).toBe(3);
    });

    it('sends again after dropped connections (ECONNRESET), taking a limiter slot each time', async () => {
      const limiter = countingLimiter(redis, `${prefix}:global`);
      const client = botClient({ limiter, retries: 3 });
      emulator.faults.dropHttpConnections({ count: 2 });
      const guild = await client.getGuild(seed.guildId);
      expect(guild.id).toBe(seed.guildId);
      expect(
        emulator.stats.requests({ route: `/guilds/${seed.guildId}` }).map((entry) => entry.status),
      ).toEqual([0, 0, 200]);
      expect(limiter.acquired).toBe(3);
    });

    it('reports a connection that keeps dropping as retryable network failure', async () => {
      emulator.faults.dropHttpConnections();
      const error = await expectFailure(bot.getGuild(seed.guildId), {
        status: null,
        code: null,
        classification: { kind: 'retryable', reason: 'network' },
      });
      expect(error.cause).toMatchObject({
        name: 'DiscordNetworkError',
        networkCode: 'ECONNRESET',
        attempts: 2,
      });
    });

    it('times out a slow answer', async () => {
      emulator.faults.setLatency(400);
      const client = botClient({ timeoutMs: 100, retries: 0 });
      await expectFailure(client.getGuild(seed.guildId), {
        status: null,
        code: null,
        classification: { kind: 'retryable', reason: 'timeout' },
      });
    });

    it('rejects instead of waiting out a rate limit longer than maxRateLimitWaitMs', async () => {
      const events: RateLimitedEvent[] = [];
      const client = botClient({
        maxRateLimitWaitMs: 500,
        hooks: { onRateLimited: (event) => events.push(event) },
      });
      emulator.faults.startRateLimitStorm({ scope: 'global', durationMs: 3_000, retryAfterMs: 3_000 });
      const error = await rejectionOf(client.getGuildRoles(seed.guildId));
      expect(error).toBeInstanceOf(DiscordRequestError);
      const { classification } = error as DiscordRequestError;
      expect(classification).toMatchObject({ kind: 'rate_limited', scope: 'global', global: true });
      // Retry-After plus @discordjs/rest's offset.
      expect(classification.kind === 'rate_limited' && classification.retryAfterMs).toBeGreaterThanOrEqual(
        3_000,
      );
      expect(events).toEqual([
        { route: '/guilds/{guild_id}/roles', scope: 'global', global: true, retryAfterMs: 3_000 },
      ]);
    });

    it('reports every response to the metrics hook with the route template', async () => {
      const responses: Array<[string, number]> = [];
      const client = botClient({ hooks: { onResponse: (route, status) => responses.push([route, status]) } });
      await client.getMember(seed.guildId, seed.userIds[0]!);
      await rejectionOf(client.getMember(seed.guildId, seed.userIds[2]!));
      expect(responses).toEqual([
        ['/guilds/{guild_id}/members/{user_id}', 200],
        ['/guilds/{guild_id}/members/{user_id}', 404],
      ]);
    });
  });
});

describe('route buckets', () => {
  let limited: DiscordEmulator;

  beforeAll(async () => {
    limited = await startEmulator({ memberRoleBucket: { limit: 2, windowMs: 400 } });
  });

  afterAll(async () => {
    await limited.stop();
  });

  it('waits out the per-guild role bucket, and a 429 from another client, without an error', async () => {
    const demo = limited.state.seedDemo();
    const events: RateLimitedEvent[] = [];
    // Two clients on one token, as two processes would be: neither knows the other's use of the bucket.
    const clients = [0, 1].map(
      () =>
        new DiscordBotClient({
          apiBaseUrl: limited.apiBaseUrl,
          token: limited.botToken,
          limiter: countingLimiter(redis, `${prefix}:buckets`),
          hooks: { onRateLimited: (event) => events.push(event) },
        }),
    );
    const [alice, bob] = demo.userIds;
    const started = Date.now();

    await Promise.all(
      clients.map(async (client, index) => {
        const user = index === 0 ? alice! : bob!;
        for (let round = 0; round < 3; round += 1) {
          await client.addMemberRole(demo.guildId, user, demo.vipRoleId, `round ${round}`);
          await client.removeMemberRole(demo.guildId, user, demo.vipRoleId, `round ${round}`);
        }
      }),
    );

    // 12 changes at 2 per 400 ms take at least 5 windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 400 - 50);
    const changes = limited.stats.requests({ route: '/roles/' });
    expect(changes.filter((entry) => entry.status === 204)).toHaveLength(12);
    const tooMany = changes.filter((entry) => entry.status === 429);
    // Both start without knowing the bucket, so the third request of the first window meets a 429.
    expect(tooMany.length).toBeGreaterThanOrEqual(1);
    expect(tooMany.every((entry) => entry.rateLimitScope === 'user')).toBe(true);
    expect(events).toHaveLength(tooMany.length);
    expect(limited.stats.snapshot().rateLimited.global).toBe(0);
  });
});
