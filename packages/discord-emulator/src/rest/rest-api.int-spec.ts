import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type REST } from '@discordjs/rest';
import { PermissionFlags } from '../discord/permission-flags';
import { type DiscordEmulator, startEmulator } from '../emulator';
import { type DemoSeed, type GuildDispatch } from '../state/emulator-state';
import { ChannelType } from '../state/entities';
import { bearerRest, botRest, expectDiscordError } from '../test/fixtures';

// Generous buckets: this file checks semantics; rate-limits.int-spec.ts checks the limits.
let emulator: DiscordEmulator;
let rest: REST;
let seed: DemoSeed;
let dispatches: GuildDispatch[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    memberRoleBucket: { limit: 100, windowMs: 1000 },
    routeBuckets: {
      'create-message': { limit: 100, windowMs: 1000 },
      'get-member': { limit: 100, windowMs: 1000 },
      'add-member': { limit: 100, windowMs: 1000 },
    },
    globalRateLimit: 500,
  });
  rest = botRest(emulator);
  emulator.state.onDispatch((dispatch) => dispatches.push(dispatch));
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(() => {
  seed = emulator.state.seedDemo();
  dispatches = [];
});

const memberRole = (guild: string, user: string, role: string) =>
  `/guilds/${guild}/members/${user}/roles/${role}` as const;

describe('member roles', () => {
  it('adds and removes a role with 204, records the decoded audit-log reason and dispatches GUILD_MEMBER_UPDATE', async () => {
    const [alice] = seed.userIds as [string];
    emulator.stats.reset();
    await rest.put(memberRole(seed.guildId, alice, seed.vipRoleId), {
      reason: 'Subscription sub_1 active: é',
    });
    expect(emulator.state.memberRoles(seed.guildId, alice)).toEqual([seed.memberRoleId, seed.vipRoleId]);
    expect(dispatches).toEqual([
      expect.objectContaining({
        t: 'GUILD_MEMBER_UPDATE',
        d: expect.objectContaining({ roles: [seed.memberRoleId, seed.vipRoleId] }),
      }),
    ]);
    const [entry] = emulator.stats.requests({ method: 'PUT' });
    expect(entry).toMatchObject({
      route: '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
      status: 204,
      auditLogReason: 'Subscription sub_1 active: é',
      code: null,
    });

    // Adding again is a 204 no-op without a dispatch.
    await rest.put(memberRole(seed.guildId, alice, seed.vipRoleId));
    expect(dispatches).toHaveLength(1);
    await rest.delete(memberRole(seed.guildId, alice, seed.vipRoleId));
    await rest.delete(memberRole(seed.guildId, alice, seed.vipRoleId));
    expect(emulator.state.memberRoles(seed.guildId, alice)).toEqual([seed.memberRoleId]);
    expect(dispatches).toHaveLength(2);
  });

  it('answers unknown guild, missing access, unknown member and unknown role in that order', async () => {
    const [alice, , carol] = seed.userIds as [string, string, string];
    const unknownId = '1100000000000000999';
    await expectDiscordError(rest.put(memberRole(unknownId, alice, seed.vipRoleId)), 404, 10004);
    const other = emulator.state.createGuild({ name: 'Bot not here', ownerId: seed.ownerId });
    await expectDiscordError(rest.put(memberRole(other.id, seed.ownerId, other.id)), 403, 50001);
    await expectDiscordError(rest.put(memberRole(seed.guildId, carol, unknownId)), 404, 10007);
    await expectDiscordError(rest.put(memberRole(seed.guildId, alice, unknownId)), 404, 10011);
  });

  it('answers 50013 without MANAGE_ROLES, for roles at or above the bot, and for managed roles', async () => {
    const [alice] = seed.userIds as [string];
    const { state } = emulator;
    // A role created at the top outranks the bot's role.
    const admin = state.createRole(seed.guildId, { name: 'Admin', position: 99 });
    await expectDiscordError(rest.put(memberRole(seed.guildId, alice, admin.id)), 403, 50013);
    await expectDiscordError(rest.put(memberRole(seed.guildId, alice, seed.botRoleId)), 403, 50013);
    const integration = state.createRole(seed.guildId, {
      name: 'Twitch Subscriber',
      position: 1,
      managed: true,
    });
    await expectDiscordError(rest.put(memberRole(seed.guildId, alice, integration.id)), 403, 50013);

    state.moveBotRole(seed.guildId, 1);
    await expectDiscordError(rest.put(memberRole(seed.guildId, alice, seed.vipRoleId)), 403, 50013);
    state.moveBotRole(seed.guildId, 99);
    await rest.put(memberRole(seed.guildId, alice, seed.vipRoleId));

    state.setBotPermissions(seed.guildId, PermissionFlags.SEND_MESSAGES);
    await expectDiscordError(rest.delete(memberRole(seed.guildId, alice, seed.vipRoleId)), 403, 50013);
  });

  it('answers 401 code 0 for a wrong bot token', async () => {
    const wrong = botRest(emulator).setToken('not-the-token');
    const error = await expectDiscordError(
      wrong.put(memberRole(seed.guildId, seed.ownerId, seed.vipRoleId)),
      401,
      0,
    );
    expect(error.rawError).toEqual({ message: '401: Unauthorized', code: 0 });
  });
});

describe('add guild member', () => {
  function tokenFor(userId: string, scopes = ['identify', 'guilds.join']): string {
    return emulator.state.oauth.issueTokens(userId, scopes, null).accessToken;
  }

  it('adds with 201 and the member, applying roles, and dispatches GUILD_MEMBER_ADD; 204 when already in', async () => {
    const carol = seed.userIds[2]!;
    const member = await rest.put(`/guilds/${seed.guildId}/members/${carol}`, {
      body: { access_token: tokenFor(carol), roles: [seed.vipRoleId] },
    });
    expect(member).toMatchObject({
      user: { id: carol, username: 'carol' },
      roles: [seed.vipRoleId],
      pending: false,
    });
    expect(dispatches.map((dispatch) => dispatch.t)).toEqual(['GUILD_MEMBER_ADD']);

    await rest.put(`/guilds/${seed.guildId}/members/${carol}`, {
      body: { access_token: tokenFor(carol), roles: [seed.memberRoleId] },
    });
    expect(emulator.state.memberRoles(seed.guildId, carol)).toEqual([seed.vipRoleId]);
    expect(
      emulator.stats
        .requests({ route: `/guilds/${seed.guildId}/members/${carol}` })
        .map((entry) => entry.status),
    ).toEqual([201, 204]);
  });

  it('rejects an invalid, foreign, expired, revoked or scope-less token with 403 50025', async () => {
    const carol = seed.userIds[2]!;
    const path = `/guilds/${seed.guildId}/members/${carol}` as const;
    await expectDiscordError(rest.put(path, { body: { access_token: 'garbage' } }), 403, 50025);
    await expectDiscordError(
      rest.put(path, { body: { access_token: tokenFor(seed.userIds[0]!) } }),
      403,
      50025,
    );
    await expectDiscordError(
      rest.put(path, { body: { access_token: tokenFor(carol, ['identify']) } }),
      403,
      50025,
    );
    const expired = tokenFor(carol);
    emulator.state.expireUserTokens(carol);
    await expectDiscordError(rest.put(path, { body: { access_token: expired } }), 403, 50025);
    const revoked = tokenFor(carol);
    emulator.state.revokeUserTokens(carol);
    await expectDiscordError(rest.put(path, { body: { access_token: revoked } }), 403, 50025);
  });

  it('answers 40007 for a banned user, 30001 at the guild cap, 50013 without CREATE_INSTANT_INVITE, 50035 without a token', async () => {
    const { state } = emulator;
    const carol = seed.userIds[2]!;
    const path = `/guilds/${seed.guildId}/members/${carol}` as const;
    await expectDiscordError(rest.put(path, { body: {} }), 400, 50035);

    state.ban(seed.guildId, carol, 'spam');
    await expectDiscordError(rest.put(path, { body: { access_token: tokenFor(carol) } }), 403, 40007);
    state.unban(seed.guildId, carol);

    state.createGuild({ name: "Carol's own", ownerId: carol });
    state.updateUser(carol, { maxGuilds: 1 });
    const capped = await expectDiscordError(
      rest.put(path, { body: { access_token: tokenFor(carol) } }),
      400,
      30001,
    );
    expect(capped.message).toBe('Maximum number of guilds reached (1)');
    state.updateUser(carol, { maxGuilds: 100 });

    // @everyone grants CREATE_INSTANT_INVITE by default, so take it from both.
    state.setBotPermissions(seed.guildId, PermissionFlags.MANAGE_ROLES);
    state.updateRole(seed.guildId, seed.guildId, { permissions: PermissionFlags.VIEW_CHANNEL });
    await expectDiscordError(rest.put(path, { body: { access_token: tokenFor(carol) } }), 403, 50013);
  });

  it('needs MANAGE_ROLES and the hierarchy for roles in the body', async () => {
    const carol = seed.userIds[2]!;
    emulator.state.moveBotRole(seed.guildId, 1);
    await expectDiscordError(
      rest.put(`/guilds/${seed.guildId}/members/${carol}`, {
        body: { access_token: tokenFor(carol), roles: [seed.vipRoleId] },
      }),
      403,
      50013,
    );
    expect(emulator.state.member(seed.guildId, carol)).toBeUndefined();
  });
});

describe('reads', () => {
  it('returns members (the bot too), the guild, roles and channels with overwrites', async () => {
    const alice = seed.userIds[0]!;
    await expect(rest.get(`/guilds/${seed.guildId}/members/${alice}`)).resolves.toMatchObject({
      user: { id: alice },
      roles: [seed.memberRoleId],
      joined_at: expect.any(String),
      pending: false,
    });
    await expect(rest.get(`/guilds/${seed.guildId}/members/${emulator.botUserId}`)).resolves.toMatchObject({
      user: { id: emulator.botUserId, bot: true },
      roles: [seed.botRoleId],
    });
    await expectDiscordError(rest.get(`/guilds/${seed.guildId}/members/${seed.userIds[2]!}`), 404, 10007);
    await expect(rest.get(`/guilds/${seed.guildId}`)).resolves.toMatchObject({
      id: seed.guildId,
      owner_id: seed.ownerId,
    });
    const roles = (await rest.get(`/guilds/${seed.guildId}/roles`)) as {
      id: string;
      position: number;
      permissions: string;
    }[];
    expect(roles.map((role) => role.id)).toEqual([
      seed.guildId,
      seed.memberRoleId,
      seed.vipRoleId,
      seed.botRoleId,
    ]);
    const channels = (await rest.get(`/guilds/${seed.guildId}/channels`)) as {
      id: string;
      permission_overwrites: unknown[];
    }[];
    expect(channels.find((channel) => channel.id === seed.paymentsChannelId)?.permission_overwrites).toEqual([
      { id: seed.guildId, type: 0, allow: '0', deny: String(PermissionFlags.SEND_MESSAGES) },
      {
        id: seed.botRoleId,
        type: 0,
        allow: String(PermissionFlags.SEND_MESSAGES | PermissionFlags.EMBED_LINKS),
        deny: '0',
      },
    ]);
    const other = emulator.state.createGuild({ name: 'Elsewhere', ownerId: seed.ownerId });
    await expectDiscordError(rest.get(`/guilds/${other.id}`), 404, 10004);
    await expectDiscordError(rest.get(`/guilds/${other.id}/roles`), 403, 50001);
  });

  it('serves /users/@me for the bot and for bearer tokens with identify, /oauth2/@me and /gateway/bot', async () => {
    await expect(rest.get('/users/@me')).resolves.toMatchObject({ id: emulator.botUserId, bot: true });
    const alice = seed.userIds[0]!;
    const identified = emulator.state.oauth.issueTokens(alice, ['identify', 'email'], null);
    await expect(bearerRest(emulator, identified.accessToken).get('/users/@me')).resolves.toMatchObject({
      id: alice,
      username: 'alice',
      email: expect.any(String),
    });
    await expect(bearerRest(emulator, identified.accessToken).get('/oauth2/@me')).resolves.toMatchObject({
      application: { id: emulator.applicationId },
      scopes: ['identify', 'email'],
      user: { id: alice },
    });
    const joinOnly = emulator.state.oauth.issueTokens(alice, ['guilds.join'], null);
    await expectDiscordError(bearerRest(emulator, joinOnly.accessToken).get('/users/@me'), 401, 0);
    await expectDiscordError(bearerRest(emulator, 'not-a-token').get('/users/@me'), 401, 0);
    await expect(rest.get('/gateway/bot')).resolves.toEqual({
      url: emulator.gatewayUrl,
      shards: 1,
      session_start_limit: {
        total: 1000,
        remaining: 1000,
        reset_after: expect.any(Number),
        max_concurrency: 1,
      },
    });
  });
});

describe('messages', () => {
  const embed = {
    title: 'Payment received',
    description: 'Alice paid 9.99 EUR',
    fields: [{ name: 'Plan', value: 'VIP' }],
  };

  it('creates a message, returns it and stores it for assertions', async () => {
    const message = (await rest.post(`/channels/${seed.paymentsChannelId}/messages`, {
      body: { embeds: [embed] },
    })) as {
      id: string;
      embeds: unknown[];
      author: { id: string };
    };
    expect(message).toMatchObject({
      channel_id: seed.paymentsChannelId,
      author: { id: emulator.botUserId },
      embeds: [{ type: 'rich', ...embed }],
    });
    expect(emulator.state.messages(seed.paymentsChannelId)).toEqual([message]);
  });

  it('answers 10003, 50001, 50008, 50013, 50006 and 50035 like Discord', async () => {
    const { state } = emulator;
    await expectDiscordError(
      rest.post('/channels/1100000000000000999/messages', { body: { content: 'hi' } }),
      404,
      10003,
    );
    const hidden = state.createChannel(seed.guildId, {
      name: 'staff',
      permissionOverwrites: [{ id: seed.guildId, type: 0, deny: PermissionFlags.VIEW_CHANNEL }],
    });
    await expectDiscordError(
      rest.post(`/channels/${hidden.id}/messages`, { body: { content: 'hi' } }),
      403,
      50001,
    );
    const category = state.createChannel(seed.guildId, { name: 'Info', type: ChannelType.GUILD_CATEGORY });
    await expectDiscordError(
      rest.post(`/channels/${category.id}/messages`, { body: { content: 'hi' } }),
      400,
      50008,
    );
    const readOnly = state.createChannel(seed.guildId, {
      name: 'announcements',
      permissionOverwrites: [{ id: seed.botRoleId, type: 0, deny: PermissionFlags.SEND_MESSAGES }],
    });
    await expectDiscordError(
      rest.post(`/channels/${readOnly.id}/messages`, { body: { content: 'hi' } }),
      403,
      50013,
    );
    const noEmbeds = state.createChannel(seed.guildId, {
      name: 'plain',
      permissionOverwrites: [{ id: seed.botRoleId, type: 0, deny: PermissionFlags.EMBED_LINKS }],
    });
    await expectDiscordError(
      rest.post(`/channels/${noEmbeds.id}/messages`, { body: { embeds: [embed] } }),
      403,
      50013,
    );
    await rest.post(`/channels/${noEmbeds.id}/messages`, { body: { content: 'text is fine' } });

    await expectDiscordError(
      rest.post(`/channels/${seed.generalChannelId}/messages`, { body: {} }),
      400,
      50006,
    );
    await expectDiscordError(
      rest.post(`/channels/${seed.generalChannelId}/messages`, { body: { content: '' } }),
      400,
      50006,
    );
    const tooLong = await expectDiscordError(
      rest.post(`/channels/${seed.generalChannelId}/messages`, {
        body: {
          embeds: [
            { title: 'x'.repeat(257) },
            { description: 'y'.repeat(4096) },
            { description: 'z'.repeat(2000) },
          ],
        },
      }),
      400,
      50035,
    );
    expect(tooLong.rawError).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        embeds: {
          '0': {
            title: {
              _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }],
            },
          },
        },
      },
    });
    const total = await expectDiscordError(
      rest.post(`/channels/${seed.generalChannelId}/messages`, {
        body: { embeds: [{ description: 'y'.repeat(4096) }, { description: 'z'.repeat(2000) }] },
      }),
      400,
      50035,
    );
    expect(total.message).toContain('MAX_EMBED_SIZE_EXCEEDED');
    expect(state.messages(seed.generalChannelId)).toEqual([]);
  });
});

describe('protocol edges', () => {
  it('answers unknown paths with 404 code 0 and bad snowflakes with 400 50035', async () => {
    await expectDiscordError(rest.get('/guilds/1100000000000000001/nothing-here'), 404, 0);
    const bad = await expectDiscordError(rest.get('/guilds/not-a-snowflake/roles'), 400, 50035);
    expect(bad.rawError).toMatchObject({
      errors: { guild_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE' }] } },
    });
  });

  it('answers malformed JSON with 50109', async () => {
    const response = await fetch(
      `${emulator.apiBaseUrl}/v10/guilds/${seed.guildId}/members/${seed.userIds[2]!}`,
      {
        method: 'PUT',
        headers: { Authorization: `Bot ${emulator.botToken}`, 'Content-Type': 'application/json' },
        body: '{"access_token":',
      },
    );
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toEqual({
      code: 50109,
      message: 'The request body contains invalid JSON.',
    });
  });
});
