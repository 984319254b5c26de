import { beforeEach, describe, expect, it } from '@jest/globals';
import { PermissionFlags } from '../discord/permission-flags';
import { ControlError, EmulatorState, type GuildDispatch } from './emulator-state';

const BOT = '1380000000000000001';

describe('EmulatorState', () => {
  let state: EmulatorState;
  let dispatches: GuildDispatch[];

  beforeEach(() => {
    state = new EmulatorState({
      botUserId: BOT,
      botUsername: 'Inflow',
      applicationId: BOT,
      tokenTtlSeconds: 60,
    });
    dispatches = [];
    state.onDispatch((dispatch) => dispatches.push(dispatch));
  });

  it('seeds a demo guild with the bot above VIP and Member and the channels it needs', () => {
    const seed = state.seedDemo();
    const guild = state.guild(seed.guildId)!;
    const position = (id: string) => guild.roles.get(id)!.position;
    expect(position(seed.botRoleId)).toBeGreaterThan(position(seed.vipRoleId));
    expect(position(seed.vipRoleId)).toBeGreaterThan(position(seed.memberRoleId));
    expect(guild.roles.get(seed.botRoleId)).toMatchObject({ managed: true, botId: BOT });
    expect(state.memberRoles(seed.guildId, seed.userIds[0]!)).toEqual([seed.memberRoleId]);
    expect(state.member(seed.guildId, seed.userIds[2]!)).toBeUndefined();
    const payments = state.channelPermissions(seed.paymentsChannelId, BOT);
    expect(payments & PermissionFlags.SEND_MESSAGES).toBe(PermissionFlags.SEND_MESSAGES);
    expect(
      state.channelPermissions(seed.paymentsChannelId, seed.userIds[0]!) & PermissionFlags.SEND_MESSAGES,
    ).toBe(0n);
    expect(dispatches.map((dispatch) => dispatch.t)).toContain('GUILD_CREATE');
  });

  it('keeps role positions contiguous when roles move, announcing each moved role', () => {
    const seed = state.seedDemo();
    dispatches.length = 0;
    state.moveBotRole(seed.guildId, 1);
    const guild = state.guild(seed.guildId)!;
    expect(guild.roles.get(seed.botRoleId)!.position).toBe(1);
    expect(guild.roles.get(seed.memberRoleId)!.position).toBe(2);
    expect(guild.roles.get(seed.vipRoleId)!.position).toBe(3);
    expect(dispatches.filter((dispatch) => dispatch.t === 'GUILD_ROLE_UPDATE')).toHaveLength(3);
  });

  it('removes a deleted role from every member without member updates', () => {
    const seed = state.seedDemo();
    dispatches.length = 0;
    state.deleteRole(seed.guildId, seed.memberRoleId);
    expect(state.memberRoles(seed.guildId, seed.userIds[0]!)).toEqual([]);
    expect(dispatches.map((dispatch) => dispatch.t)).toEqual(['GUILD_ROLE_DELETE']);
    expect(() => state.deleteRole(seed.guildId, seed.guildId)).toThrow(ControlError);
  });

  it('announces member changes only in guilds the bot is in, and GUILD_DELETE when it leaves', () => {
    const owner = state.authorizingUserId;
    const guild = state.createGuild({ name: 'No bot yet', ownerId: owner });
    const user = state.createUser({ username: 'dave' });
    state.joinGuild(guild.id, user.id);
    expect(dispatches).toHaveLength(0);
    state.installBot(guild.id, { permissions: PermissionFlags.MANAGE_ROLES });
    state.leaveGuild(guild.id, user.id);
    state.removeBot(guild.id);
    expect(dispatches.map((dispatch) => dispatch.t)).toEqual([
      'GUILD_CREATE',
      'GUILD_MEMBER_REMOVE',
      'GUILD_DELETE',
    ]);
    expect(dispatches[2]!.d).toEqual({ id: guild.id });
    expect(state.guild(guild.id)!.roles.size).toBe(1);
  });

  it('places a newly installed bot role at the bottom unless told otherwise', () => {
    const owner = state.authorizingUserId;
    const guild = state.createGuild({ name: 'G', ownerId: owner });
    state.createRole(guild.id, { name: 'VIP', position: 1 });
    const bottom = state.installBot(guild.id, { permissions: '8' })!;
    expect(bottom.position).toBe(1);
    const other = state.createGuild({ name: 'H', ownerId: owner });
    state.createRole(other.id, { name: 'VIP', position: 1 });
    state.setBotRolePlacement('top');
    expect(state.installBot(other.id, { permissions: '8' })!.position).toBe(2);
  });

  it('bans remove the member and are announced; the bot own member update ignores intents', () => {
    const seed = state.seedDemo();
    dispatches.length = 0;
    state.ban(seed.guildId, seed.userIds[0]!, 'spam');
    expect(state.member(seed.guildId, seed.userIds[0]!)).toBeUndefined();
    expect(dispatches.map((dispatch) => dispatch.t)).toEqual(['GUILD_MEMBER_REMOVE', 'GUILD_BAN_ADD']);
    expect(() => state.joinGuild(seed.guildId, seed.userIds[0]!)).toThrow(/banned/);
    dispatches.length = 0;
    state.setMemberRoles(seed.guildId, BOT, [seed.botRoleId, seed.vipRoleId]);
    expect(dispatches[0]).toMatchObject({ t: 'GUILD_MEMBER_UPDATE', ignoreIntent: true });
  });

  it('rejects control misuse with ControlError', () => {
    expect(() => state.createGuild({ name: 'x', ownerId: '1100000000000000999' })).toThrow(ControlError);
    expect(() => state.createUser({ id: 'nope', username: 'x' })).toThrow(/snowflake/);
    const seed = state.seedDemo();
    expect(() => state.createRole(seed.guildId, { id: seed.vipRoleId, name: 'dup' })).toThrow(/already used/);
    expect(() => state.createRole(seed.guildId, { name: 'p', permissions: 'all' })).toThrow(ControlError);
  });
});
