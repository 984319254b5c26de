import { describe, expect, it } from '@jest/globals';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { BOT_INSTALL_PERMISSIONS } from '../oauth/authorize-urls';
import {
  type DiagnoseGuildInput,
  diagnoseGuild,
  type DiagnosticRole,
  type GuildProblemCode,
} from './diagnose-guild';

const GUILD = '1320000000000000100';
const OWNER = '1320000000000000200';
const BOT = '1320000000000000300';
const BOT_ROLE = '1320000000000000401';
const VIP = '1320000000000000402';
const MEMBER = '1320000000000000403';
const BOOSTER = '1320000000000000404';
const PAYMENTS = '1320000000000000501';
const GENERAL = '1320000000000000502';
const VOICE = '1320000000000000503';
const GONE = '1320000000000000999';

const everyone: DiagnosticRole = {
  id: GUILD,
  name: '@everyone',
  position: 0,
  permissions: (P.ViewChannel | P.SendMessages | P.EmbedLinks | P.CreateInstantInvite).toString(),
};

/** A healthy guild: the bot's role "Inflow" at the top with the install permissions. */
function healthy(): DiagnoseGuildInput {
  return {
    guild: { id: GUILD, ownerId: OWNER },
    roles: [
      everyone,
      { id: MEMBER, name: 'Member', position: 1, permissions: '0' },
      { id: VIP, name: 'VIP', position: 2, permissions: '0' },
      {
        id: BOT_ROLE,
        name: 'Inflow',
        position: 3,
        permissions: BOT_INSTALL_PERMISSIONS.toString(),
        managed: true,
      },
      { id: BOOSTER, name: 'Server Booster', position: 4, permissions: '0', managed: true },
    ],
    botMember: { userId: BOT, roles: [BOT_ROLE] },
    offerRoles: [
      { roleId: VIP, offerName: 'VIP Monthly' },
      { roleId: MEMBER, offerName: 'Member' },
    ],
    channels: [
      { id: GENERAL, name: 'general', type: 0, permission_overwrites: [] },
      {
        id: PAYMENTS,
        name: 'payments',
        type: 0,
        permission_overwrites: [
          { id: GUILD, type: 0, allow: '0', deny: P.SendMessages.toString() },
          { id: BOT_ROLE, type: 0, allow: (P.SendMessages | P.EmbedLinks).toString(), deny: '0' },
        ],
      },
      { id: VOICE, name: 'Lounge', type: 2 },
    ],
    channelsToCheck: [
      { id: PAYMENTS, purpose: 'payment' },
      { id: GENERAL, purpose: 'general' },
    ],
  };
}

function withRole(input: DiagnoseGuildInput, id: string, patch: Partial<DiagnosticRole>): DiagnoseGuildInput {
  return { ...input, roles: input.roles.map((role) => (role.id === id ? { ...role, ...patch } : role)) };
}

function withOverwrites(
  input: DiagnoseGuildInput,
  channelId: string,
  overwrites: Array<{ id: string; type: number; allow: bigint; deny: bigint }>,
): DiagnoseGuildInput {
  return {
    ...input,
    channels: input.channels.map((channel) =>
      channel.id === channelId
        ? {
            ...channel,
            permission_overwrites: overwrites.map((o) => ({
              ...o,
              allow: o.allow.toString(),
              deny: o.deny.toString(),
            })),
          }
        : channel,
    ),
  };
}

describe('diagnoseGuild', () => {
  it('finds nothing wrong in a healthy guild', () => {
    expect(diagnoseGuild(healthy())).toEqual({ ok: true, problems: [] });
  });

  it.each<[string, (input: DiagnoseGuildInput) => DiagnoseGuildInput, GuildProblemCode[]]>([
    [
      'bot role without Manage Roles',
      (input) =>
        withRole(input, BOT_ROLE, { permissions: (BOT_INSTALL_PERMISSIONS & ~P.ManageRoles).toString() }),
      ['bot_missing_manage_roles'],
    ],
    [
      'Administrator covers every permission',
      (input) => withRole(input, BOT_ROLE, { permissions: P.Administrator.toString() }),
      [],
    ],
    [
      "a tie with VIP won by the bot's older role",
      (input) => withRole(input, BOT_ROLE, { position: 2 }),
      // Same position as VIP: VIP's id is larger (younger), so the bot's role ranks above it.
      [],
    ],
    [
      'bot role below VIP by position',
      (input) => withRole(input, BOT_ROLE, { position: 1 }),
      ['offer_role_above_bot'],
    ],
    [
      'a tie won by the older offer role',
      (input) => ({
        ...input,
        // Same position as the bot's role, smaller (older) id: it ranks above the bot's role.
        roles: [
          ...input.roles,
          { id: '1320000000000000400', name: 'Founder', position: 3, permissions: '0' },
        ],
        offerRoles: [{ roleId: '1320000000000000400', offerName: 'Founder' }],
      }),
      ['offer_role_above_bot'],
    ],
    [
      'bot with no role at all',
      (input) => ({ ...input, botMember: { userId: BOT, roles: [] } }),
      // @everyone still grants Create Invite; nothing grants Manage Roles, no role is below the bot, and
      // #payments lets only the bot's role post.
      ['bot_missing_manage_roles', 'offer_role_above_bot', 'offer_role_above_bot', 'channel_missing_send'],
    ],
    [
      'deleted offer role',
      (input) => ({ ...input, offerRoles: [{ roleId: GONE, offerName: 'Gold' }] }),
      ['offer_role_missing'],
    ],
    [
      'managed offer role',
      (input) => ({ ...input, offerRoles: [{ roleId: BOOSTER, offerName: 'Boost perks' }] }),
      ['offer_role_managed'],
    ],
    [
      '@everyone as offer role',
      (input) => ({ ...input, offerRoles: [{ roleId: GUILD, offerName: 'All' }] }),
      ['offer_role_is_everyone'],
    ],
    [
      'bot is the owner: hierarchy does not apply',
      (input) => ({ ...withRole(input, BOT_ROLE, { position: 1 }), guild: { id: GUILD, ownerId: BOT } }),
      [],
    ],
    [
      'deleted notification channel',
      (input) => ({ ...input, channelsToCheck: [{ id: GONE, purpose: 'payment' }] }),
      ['channel_missing'],
    ],
    [
      'voice channel is fine (text in voice)',
      (input) => ({ ...input, channelsToCheck: [{ id: VOICE, purpose: 'general' }] }),
      [],
    ],
    [
      'category as notification channel',
      (input) => ({
        ...input,
        channels: [...input.channels, { id: GONE, name: 'Info', type: 4 }],
        channelsToCheck: [{ id: GONE, purpose: 'general' }],
      }),
      ['channel_not_text'],
    ],
    [
      'bot denied View Channel by a member overwrite',
      (input) => withOverwrites(input, GENERAL, [{ id: BOT, type: 1, allow: 0n, deny: P.ViewChannel }]),
      ['channel_missing_view'],
    ],
    [
      'private channel: @everyone denied View Channel',
      (input) => withOverwrites(input, GENERAL, [{ id: GUILD, type: 0, allow: 0n, deny: P.ViewChannel }]),
      ['channel_missing_view'],
    ],
    [
      'private channel opened to the bot role',
      (input) =>
        withOverwrites(input, GENERAL, [
          { id: GUILD, type: 0, allow: 0n, deny: P.ViewChannel },
          { id: BOT_ROLE, type: 0, allow: P.ViewChannel, deny: 0n },
        ]),
      [],
    ],
    [
      'read-only channel without a bot exception',
      (input) => withOverwrites(input, PAYMENTS, [{ id: GUILD, type: 0, allow: 0n, deny: P.SendMessages }]),
      // Embed Links is lost with Send Messages, but only the root cause is reported.
      ['channel_missing_send'],
    ],
    [
      'embeds denied',
      (input) => withOverwrites(input, GENERAL, [{ id: BOT_ROLE, type: 0, allow: 0n, deny: P.EmbedLinks }]),
      ['channel_missing_embed_links'],
    ],
    [
      'no Create Invite anywhere (warning only)',
      (input) =>
        withRole(
          withRole(input, GUILD, { permissions: (P.ViewChannel | P.SendMessages | P.EmbedLinks).toString() }),
          BOT_ROLE,
          { permissions: (BOT_INSTALL_PERMISSIONS & ~P.CreateInstantInvite).toString() },
        ),
      ['bot_missing_create_instant_invite'],
    ],
  ])('%s', (_name, change, codes) => {
    const diagnosis = diagnoseGuild(change(healthy()));
    expect(diagnosis.problems.map((problem) => problem.code)).toEqual(codes);
    expect(diagnosis.ok).toBe(diagnosis.problems.every((problem) => problem.severity === 'warning'));
  });

  it("names both roles in the hierarchy fix: move the bot's role above the offer role", () => {
    const [problem] = diagnoseGuild(withRole(healthy(), BOT_ROLE, { position: 1 })).problems;
    expect(problem).toEqual({
      code: 'offer_role_above_bot',
      severity: 'error',
      roleId: VIP,
      message: `Move the bot's role "Inflow" above "VIP" in Server Settings > Roles.`,
    });
  });

  it('names the channel, the permission and where to change it', () => {
    const input = withOverwrites(healthy(), PAYMENTS, [
      { id: GUILD, type: 0, allow: 0n, deny: P.SendMessages },
    ]);
    const [problem] = diagnoseGuild(input).problems;
    expect(problem).toMatchObject({ code: 'channel_missing_send', severity: 'error', channelId: PAYMENTS });
    expect(problem?.message).toBe(
      `The bot cannot post in #payments: allow "Send Messages" for the bot's role "Inflow" in #payments (Edit Channel > Permissions).`,
    );
  });

  it('tells which offer lost its role', () => {
    const [problem] = diagnoseGuild({
      ...healthy(),
      offerRoles: [{ roleId: GONE, offerName: 'Gold' }],
    }).problems;
    expect(problem?.message).toContain('"Gold"');
    expect(problem?.roleId).toBe(GONE);
  });

  it('is ok with warnings only', () => {
    const input = withRole(
      withRole(healthy(), GUILD, { permissions: (P.ViewChannel | P.SendMessages | P.EmbedLinks).toString() }),
      BOT_ROLE,
      { permissions: (BOT_INSTALL_PERMISSIONS & ~P.CreateInstantInvite).toString() },
    );
    const diagnosis = diagnoseGuild(input);
    expect(diagnosis.ok).toBe(true);
    expect(diagnosis.problems[0]?.severity).toBe('warning');
  });
});
