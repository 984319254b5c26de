import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type DemoSeed,
  type DiscordEmulator,
  PermissionFlags,
  startEmulator,
} from '@inflow/discord-emulator';
import { deleteRedisKeys, uniqueRedisPrefix } from '@inflow/testing';
import fc from 'fast-check';
import { DiscordBotClient } from '../rest/discord-bot.client';
import { DiscordRequestError } from '../rest/discord-request-error';
import { connectRedis, countingLimiter, type TestRedis } from '../test/integration-fixtures';
import { diagnoseGuild, type GuildDiagnosis } from './diagnose-guild';

const prefix = uniqueRedisPrefix('discord-diagnostics');
let redis: TestRedis;
let emulator: DiscordEmulator;
let bot: DiscordBotClient;

/** Diagnoses a guild from what the bot reads from Discord, as the API's diagnostics endpoint would. */
async function diagnose(seed: DemoSeed): Promise<GuildDiagnosis> {
  const [guild, roles, channels, botMember] = await Promise.all([
    bot.getGuild(seed.guildId),
    bot.getGuildRoles(seed.guildId),
    bot.getGuildChannels(seed.guildId),
    bot.getBotMember(seed.guildId),
  ]);
  return diagnoseGuild({
    guild: { id: guild.id, ownerId: guild.owner_id },
    roles,
    botMember: { userId: botMember.user.id, roles: botMember.roles },
    offerRoles: [{ roleId: seed.vipRoleId, offerName: 'VIP Monthly' }],
    channels: channels.map((channel) => ({
      id: channel.id,
      name: channel.name,
      type: channel.type,
      ...('permission_overwrites' in channel
        ? { permission_overwrites: channel.permission_overwrites ?? [] }
        : {}),
    })),
    channelsToCheck: [
      { id: seed.paymentsChannelId, purpose: 'payment' },
      { id: seed.generalChannelId, purpose: 'general' },
    ],
  });
}

/** Whether Discord (the emulator) accepts what the diagnosis judges: a role grant, a notification per channel. */
async function attempts(seed: DemoSeed): Promise<{ grant: boolean; payments: boolean; general: boolean }> {
  const succeeds = (promise: Promise<unknown>): Promise<boolean> =>
    promise.then(
      () => true,
      (error: unknown) => {
        if (error instanceof DiscordRequestError && error.classification.kind === 'needs_merchant_action')
          return false;
        throw error;
      },
    );
  const embed = { embeds: [{ title: 'Payment received', description: 'probe' }] };
  return {
    grant: await succeeds(
      bot.addMemberRole(seed.guildId, seed.userIds[0]!, seed.vipRoleId, 'diagnostics probe'),
    ),
    payments: await succeeds(bot.createMessage(seed.paymentsChannelId, embed)),
    general: await succeeds(bot.createMessage(seed.generalChannelId, embed)),
  };
}

beforeAll(async () => {
  redis = await connectRedis('discord-diagnostics-test');
  emulator = await startEmulator({
    memberRoleBucket: { limit: 1_000, windowMs: 1_000 },
    routeBuckets: {
      'create-message': { limit: 1_000, windowMs: 1_000 },
      'get-guild': { limit: 1_000, windowMs: 1_000 },
      'get-roles': { limit: 1_000, windowMs: 1_000 },
      'get-channels': { limit: 1_000, windowMs: 1_000 },
      'get-member': { limit: 1_000, windowMs: 1_000 },
    },
  });
  bot = new DiscordBotClient({
    apiBaseUrl: emulator.apiBaseUrl,
    token: emulator.botToken,
    limiter: countingLimiter(redis, `${prefix}:global`),
    botUserId: emulator.botUserId,
  });
});

afterAll(async () => {
  await emulator.stop();
  await redis.quit();
  await deleteRedisKeys(prefix);
});

describe('diagnoseGuild on what Discord returns', () => {
  it('finds the seeded guild healthy, and Discord agrees', async () => {
    const seed = emulator.state.seedDemo();
    expect(await diagnose(seed)).toEqual({ ok: true, problems: [] });
    expect(await attempts(seed)).toEqual({ grant: true, payments: true, general: true });
  });

  it('explains the 50013 of a bot role placed low, as Discord places it on install', async () => {
    const seed = emulator.state.seedDemo();
    emulator.state.moveBotRole(seed.guildId, 1);
    const diagnosis = await diagnose(seed);
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.problems).toEqual([
      {
        code: 'offer_role_above_bot',
        severity: 'error',
        roleId: seed.vipRoleId,
        message: `Move the bot's role "Inflow" above "VIP" in Server Settings > Roles.`,
      },
    ]);
    expect((await attempts(seed)).grant).toBe(false);
  });

  it('predicts exactly which notifications Discord refuses, whatever the channel overwrites', async () => {
    const flags = [
      0n,
      PermissionFlags.VIEW_CHANNEL,
      PermissionFlags.SEND_MESSAGES,
      PermissionFlags.EMBED_LINKS,
    ];
    const bits = fc.subarray(flags).map((chosen) => chosen.reduce((all, flag) => all | flag, 0n));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            target: fc.constantFrom('everyone', 'bot-role', 'bot-user', 'member-role'),
            allow: bits,
            deny: bits,
          }),
          {
            maxLength: 4,
          },
        ),
        async (overwrites) => {
          const seed = emulator.state.seedDemo();
          const ids = {
            everyone: { id: seed.guildId, type: 0 as const },
            'bot-role': { id: seed.botRoleId, type: 0 as const },
            'bot-user': { id: emulator.botUserId, type: 1 as const },
            'member-role': { id: seed.memberRoleId, type: 0 as const },
          };
          // One overwrite per target, as Discord keeps them.
          const byTarget = new Map(overwrites.map((overwrite) => [overwrite.target, overwrite]));
          emulator.state.updateChannel(seed.generalChannelId, {
            permissionOverwrites: [...byTarget.values()].map((overwrite) => ({
              ...ids[overwrite.target],
              allow: overwrite.allow,
              deny: overwrite.deny,
            })),
          });

          const diagnosis = await diagnose(seed);
          const generalBroken = diagnosis.problems.some(
            (problem) => problem.channelId === seed.generalChannelId,
          );
          expect((await attempts(seed)).general).toBe(!generalBroken);
        },
      ),
      { numRuns: 25 },
    );
  }, 30_000);
});
