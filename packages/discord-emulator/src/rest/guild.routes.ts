import { DiscordErrors } from '../discord/discord-error';
import { hasPermission, PermissionFlags } from '../discord/permission-flags';
import { ranksBelow } from '../discord/role-hierarchy';
import { type ApiRequest, type ApiResponse, type RouteDefinition } from '../http/api-types';
import { sortedRoles, toApiChannel, toApiGuild, toApiMember, toApiRole } from '../state/api-views';
import { type GuildRecord, type RoleRecord } from '../state/entities';
import { param, parseJsonBody } from './request-helpers';
import { type RestContext } from './rest-context';

interface AddGuildMemberBody {
  access_token: string;
  nick?: string | null;
  roles?: string[] | null;
  mute?: boolean | null;
  deaf?: boolean | null;
}

/**
 * The guild a bot call targets. A guild that does not exist is 10004; one that exists but the bot is not
 * in answers 50001 Missing Access for sub-resources, and 10004 for the guild itself (as Discord does).
 */
function botGuild(ctx: RestContext, guildId: string, whenAbsent: 'unknown' | 'missing-access'): GuildRecord {
  const guild = ctx.state.guild(guildId);
  if (!guild) throw DiscordErrors.unknownGuild();
  if (!guild.members.has(ctx.state.botUserId)) {
    throw whenAbsent === 'unknown' ? DiscordErrors.unknownGuild() : DiscordErrors.missingAccess();
  }
  return guild;
}

/** 50013 unless the bot may grant or remove `role`: MANAGE_ROLES, not managed, strictly below its highest role. */
function assertCanManageRole(ctx: RestContext, guild: GuildRecord, role: RoleRecord): void {
  const permissions = ctx.state.basePermissions(guild.id, ctx.state.botUserId);
  if (!hasPermission(permissions, PermissionFlags.MANAGE_ROLES)) throw DiscordErrors.missingPermissions();
  if (role.managed) throw DiscordErrors.missingPermissions();
  // The owner is above the hierarchy; a bot never owns a guild here, but keep Discord's rule whole.
  if (guild.ownerId === ctx.state.botUserId) return;
  if (!ranksBelow(role, ctx.state.highestRoleOf(guild.id, ctx.state.botUserId))) {
    throw DiscordErrors.missingPermissions();
  }
}

function changeMemberRole(ctx: RestContext, request: ApiRequest, change: 'add' | 'remove'): ApiResponse {
  const guild = botGuild(ctx, param(request, 'guild_id'), 'missing-access');
  const userId = param(request, 'user_id');
  const member = guild.members.get(userId);
  if (!member) throw DiscordErrors.unknownMember();
  const role = guild.roles.get(param(request, 'role_id'));
  if (!role) throw DiscordErrors.unknownRole();
  assertCanManageRole(ctx, guild, role);
  // Everyone implicitly has @everyone; adding a role the member has (or removing one they lack) is a no-op 204.
  if (role.id !== guild.id) {
    const next =
      change === 'add' ? [...member.roleIds, role.id] : member.roleIds.filter((roleId) => roleId !== role.id);
    ctx.state.applyMemberRoles(guild.id, userId, next);
  }
  return { status: 204 };
}

function addGuildMember(ctx: RestContext, request: ApiRequest): ApiResponse {
  const guild = botGuild(ctx, param(request, 'guild_id'), 'missing-access');
  const userId = param(request, 'user_id');
  const body = ctx.validator.validate<AddGuildMemberBody>('BotAddGuildMemberRequest', parseJsonBody(request));

  const grant = ctx.state.oauth.liveAccessToken(body.access_token);
  if (!grant || grant.userId !== userId || !grant.scopes.includes('guilds.join')) {
    throw DiscordErrors.invalidOAuthToken();
  }
  const botPermissions = ctx.state.basePermissions(guild.id, ctx.state.botUserId);
  if (!hasPermission(botPermissions, PermissionFlags.CREATE_INSTANT_INVITE))
    throw DiscordErrors.missingPermissions();

  // Already a member: 204 and nothing in the body is applied.
  if (guild.members.has(userId)) return { status: 204 };
  if (guild.bans.has(userId)) throw DiscordErrors.bannedFromGuild();
  const user = ctx.state.user(userId);
  if (!user) throw DiscordErrors.unknownUser();
  if (ctx.state.guildCount(userId) >= user.maxGuilds) throw DiscordErrors.maxGuilds(user.maxGuilds);

  const roleIds = body.roles ?? [];
  for (const roleId of roleIds) {
    const role = guild.roles.get(roleId);
    if (!role) throw DiscordErrors.unknownRole();
    assertCanManageRole(ctx, guild, role);
  }
  const needs = (value: unknown, permission: bigint): void => {
    if (value !== undefined && value !== null && !hasPermission(botPermissions, permission)) {
      throw DiscordErrors.missingPermissions();
    }
  };
  needs(body.nick, PermissionFlags.MANAGE_NICKNAMES);
  needs(body.mute, PermissionFlags.MUTE_MEMBERS);
  needs(body.deaf, PermissionFlags.DEAFEN_MEMBERS);

  const member = ctx.state.addMember(guild.id, userId, roleIds, {
    nick: body.nick ?? null,
    mute: body.mute ?? false,
    deaf: body.deaf ?? false,
  });
  return { status: 201, body: toApiMember(member, user) };
}

/** Guild, role, channel and member routes of the REST API. */
export function guildRoutes(ctx: RestContext): RouteDefinition[] {
  const { buckets } = ctx;
  return [
    {
      method: 'PUT',
      template: '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
      auth: 'bot',
      limit: buckets['member-roles'],
      majorParameter: 'guild_id',
      handle: (request) => changeMemberRole(ctx, request, 'add'),
    },
    {
      method: 'DELETE',
      template: '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
      auth: 'bot',
      limit: buckets['member-roles'],
      majorParameter: 'guild_id',
      handle: (request) => changeMemberRole(ctx, request, 'remove'),
    },
    {
      method: 'PUT',
      template: '/guilds/{guild_id}/members/{user_id}',
      auth: 'bot',
      limit: buckets['add-member'],
      majorParameter: 'guild_id',
      handle: (request) => addGuildMember(ctx, request),
    },
    {
      method: 'GET',
      template: '/guilds/{guild_id}/members/{user_id}',
      auth: 'bot',
      limit: buckets['get-member'],
      majorParameter: 'guild_id',
      handle: (request) => {
        const guild = botGuild(ctx, param(request, 'guild_id'), 'missing-access');
        const member = ctx.state.apiMember(guild.id, param(request, 'user_id'));
        if (!member) throw DiscordErrors.unknownMember();
        return { status: 200, body: member };
      },
    },
    {
      method: 'GET',
      template: '/guilds/{guild_id}',
      auth: 'bot',
      limit: buckets['get-guild'],
      majorParameter: 'guild_id',
      handle: (request) => {
        const guild = botGuild(ctx, param(request, 'guild_id'), 'unknown');
        const body: Record<string, unknown> = { ...toApiGuild(guild) };
        if (request.query.get('with_counts') === 'true') {
          body.approximate_member_count = guild.members.size;
          body.approximate_presence_count = 0;
        }
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      template: '/guilds/{guild_id}/roles',
      auth: 'bot',
      limit: buckets['get-roles'],
      majorParameter: 'guild_id',
      handle: (request) => {
        const guild = botGuild(ctx, param(request, 'guild_id'), 'missing-access');
        return { status: 200, body: sortedRoles(guild).map(toApiRole) };
      },
    },
    {
      method: 'GET',
      template: '/guilds/{guild_id}/channels',
      auth: 'bot',
      limit: buckets['get-channels'],
      majorParameter: 'guild_id',
      handle: (request) => {
        const guild = botGuild(ctx, param(request, 'guild_id'), 'missing-access');
        return { status: 200, body: [...guild.channels.values()].map(toApiChannel) };
      },
    },
  ];
}
