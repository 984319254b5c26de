import { type Faults } from '../faults/faults';
import { type ApiRequest, type ApiResponse, type HttpMethod, type RouteDefinition } from '../http/api-types';
import { type RateLimiter, type RateLimitScope } from '../rate-limit/rate-limiter';
import { toApiChannel, toApiGuild, toApiRole, toApiUser } from '../state/api-views';
import { type ChannelTypeValue } from '../state/entities';
import { ControlError, type EmulatorState, type OverwriteInput } from '../state/emulator-state';
import { type RequestFilter, type Stats } from '../stats/stats';
import { ControlBody } from './control-body';

/** URLs and credentials of the running emulator, as GET /_emulator/info reports them. */
export interface EmulatorInfo {
  url: string;
  apiBaseUrl: string;
  gatewayUrl: string;
  authorizeUrl: string;
  botToken: string;
  applicationId: string;
  clientSecret: string;
  botUserId: string;
  redirectUris: string[];
}

export interface ControlContext {
  state: EmulatorState;
  faults: Faults;
  stats: Stats;
  limiter: RateLimiter;
  info(): EmulatorInfo;
  gatewayCounts(): { connections: number; sessions: number };
}

type Handler = (request: ApiRequest, body: ControlBody) => unknown;

function param(request: ApiRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`control route is missing parameter ${name}`);
  return value;
}

function control(method: HttpMethod, template: string, handler: Handler): RouteDefinition {
  return {
    method,
    template,
    auth: 'none',
    limit: null,
    majorParameter: null,
    handle: (request): ApiResponse => {
      const result = handler(request, new ControlBody(request.rawBody));
      return result === undefined ? { status: 204 } : { status: 200, body: result };
    },
  };
}

function overwrites(value: unknown): OverwriteInput[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new ControlError('permissionOverwrites must be an array');
  return value.map((item: unknown, index) => {
    if (item === null || typeof item !== 'object')
      throw new ControlError(`permissionOverwrites[${index}] must be an object`);
    const { id, type, allow, deny } = item as Record<string, unknown>;
    if (typeof id !== 'string' || (type !== 0 && type !== 1)) {
      throw new ControlError(
        `permissionOverwrites[${index}] needs a string id and type 0 (role) or 1 (member)`,
      );
    }
    const bits = (bitsValue: unknown, name: string): string | undefined => {
      if (bitsValue === undefined) return undefined;
      if (
        typeof bitsValue === 'string' ||
        (typeof bitsValue === 'number' && Number.isSafeInteger(bitsValue))
      ) {
        return String(bitsValue);
      }
      throw new ControlError(`permissionOverwrites[${index}].${name} must be a decimal string`);
    };
    const input: OverwriteInput = { id, type };
    const allowBits = bits(allow, 'allow');
    const denyBits = bits(deny, 'deny');
    if (allowBits !== undefined) input.allow = allowBits;
    if (denyBits !== undefined) input.deny = denyBits;
    return input;
  });
}

function requestFilter(query: URLSearchParams): RequestFilter {
  const filter: RequestFilter = {};
  const method = query.get('method');
  const route = query.get('route');
  const status = query.get('status');
  const code = query.get('code');
  const since = query.get('since');
  if (method !== null) filter.method = method;
  if (route !== null) filter.route = route;
  if (status !== null) filter.status = Number(status);
  if (code !== null) filter.code = /^\d+$/.test(code) ? Number(code) : code;
  if (since !== null) filter.since = Number(since);
  return filter;
}

/** Routes of the HTTP control API under `/_emulator`, mirroring `state`, `faults` and `stats`. */
export function controlRoutes(ctx: ControlContext): RouteDefinition[] {
  const { state, faults, stats, limiter } = ctx;
  const userView = (userId: string): unknown => ({
    ...toApiUser(state.requireUser(userId)),
    max_guilds: state.requireUser(userId).maxGuilds,
  });
  return [
    control('GET', '/info', () => ({ ...ctx.info(), gateway: ctx.gatewayCounts() })),
    control('POST', '/seed-demo', () => state.seedDemo()),

    // users and OAuth consent
    control('POST', '/users', (_request, body) => {
      const input: Parameters<EmulatorState['createUser']>[0] = { username: body.string('username') };
      const id = body.optionalString('id');
      const globalName = body.nullableString('globalName');
      const maxGuilds = body.optionalNumber('maxGuilds');
      const email = body.nullableString('email');
      if (id !== undefined) input.id = id;
      if (globalName !== undefined) input.globalName = globalName;
      if (maxGuilds !== undefined) input.maxGuilds = maxGuilds;
      if (email !== undefined) input.email = email;
      return userView(state.createUser(input).id);
    }),
    control('PATCH', '/users/{user_id}', (request, body) => {
      const patch: Parameters<EmulatorState['updateUser']>[1] = {};
      const username = body.optionalString('username');
      const maxGuilds = body.optionalNumber('maxGuilds');
      if (username !== undefined) patch.username = username;
      if (maxGuilds !== undefined) patch.maxGuilds = maxGuilds;
      return userView(state.updateUser(param(request, 'user_id'), patch).id);
    }),
    control('POST', '/users/{user_id}/revoke-tokens', (request) => ({
      revoked: state.revokeUserTokens(param(request, 'user_id')),
    })),
    control('POST', '/users/{user_id}/expire-tokens', (request) => ({
      expired: state.expireUserTokens(param(request, 'user_id')),
    })),
    control('GET', '/oauth', () => ({
      authorizingUserId: state.authorizingUserId,
      consent: state.consentDecision,
      defaultInstallGuildId: state.defaultInstallGuildId,
      botRolePlacement: state.botRolePlacement,
      tokenTtlSeconds: state.oauth.accessTokenTtlSeconds,
      privilegedIntents: state.privilegedIntents,
    })),
    control('PUT', '/oauth', (_request, body) => {
      const authorizingUserId = body.optionalString('authorizingUserId');
      const consent = body.oneOf('consent', ['allow', 'deny'] as const);
      const placement = body.oneOf('botRolePlacement', ['top', 'bottom'] as const);
      const ttl = body.optionalNumber('tokenTtlSeconds');
      if (authorizingUserId !== undefined) state.setAuthorizingUser(authorizingUserId);
      if (consent !== undefined) state.setConsent(consent);
      if (body.has('defaultInstallGuildId') || body.raw('defaultInstallGuildId') === null) {
        state.setDefaultInstallGuild(body.nullableString('defaultInstallGuildId') ?? null);
      }
      if (placement !== undefined) state.setBotRolePlacement(placement);
      if (ttl !== undefined) state.oauth.setTokenTtl(ttl);
      return undefined;
    }),
    control('PUT', '/gateway/intents', (_request, body) => {
      const patch: Parameters<EmulatorState['setPrivilegedIntents']>[0] = {};
      const guildMembers = body.optionalBoolean('guildMembers');
      const guildPresences = body.optionalBoolean('guildPresences');
      const messageContent = body.optionalBoolean('messageContent');
      if (guildMembers !== undefined) patch.guildMembers = guildMembers;
      if (guildPresences !== undefined) patch.guildPresences = guildPresences;
      if (messageContent !== undefined) patch.messageContent = messageContent;
      state.setPrivilegedIntents(patch);
      return state.privilegedIntents;
    }),

    // guilds, the bot, roles, channels
    control('POST', '/guilds', (_request, body) => {
      const input: Parameters<EmulatorState['createGuild']>[0] = {
        name: body.string('name'),
        ownerId: body.string('ownerId'),
      };
      const id = body.optionalString('id');
      const everyone = body.optionalPermissions('everyonePermissions');
      if (id !== undefined) input.id = id;
      if (everyone !== undefined) input.everyonePermissions = everyone;
      return toApiGuild(state.createGuild(input));
    }),
    control('GET', '/guilds/{guild_id}', (request) => {
      const guildId = param(request, 'guild_id');
      const guild = state.requireGuild(guildId);
      return {
        ...state.guildCreatePayload(guildId),
        bans: [...guild.bans.values()],
        bot_member: guild.members.has(state.botUserId),
      };
    }),
    control('PATCH', '/guilds/{guild_id}', (request, body) => {
      const patch: Parameters<EmulatorState['updateGuild']>[1] = {};
      const name = body.optionalString('name');
      const ownerId = body.optionalString('ownerId');
      if (name !== undefined) patch.name = name;
      if (ownerId !== undefined) patch.ownerId = ownerId;
      return toApiGuild(state.updateGuild(param(request, 'guild_id'), patch));
    }),
    control('PUT', '/guilds/{guild_id}/bot', (request, body) => {
      const placement = body.oneOf('placement', ['top', 'bottom'] as const);
      const role = state.installBot(param(request, 'guild_id'), {
        permissions: body.optionalPermissions('permissions') ?? '0',
        ...(placement === undefined ? {} : { placement }),
      });
      return { role: role ? toApiRole(role) : null };
    }),
    control('DELETE', '/guilds/{guild_id}/bot', (request) => state.removeBot(param(request, 'guild_id'))),
    control('PUT', '/guilds/{guild_id}/bot/position', (request, body) =>
      toApiRole(state.moveBotRole(param(request, 'guild_id'), body.number('position'))),
    ),
    control('PUT', '/guilds/{guild_id}/bot/permissions', (request, body) => {
      const permissions = body.optionalPermissions('permissions');
      if (permissions === undefined) throw new ControlError('permissions is required');
      return toApiRole(state.setBotPermissions(param(request, 'guild_id'), permissions));
    }),
    control('POST', '/guilds/{guild_id}/roles', (request, body) => {
      const input: Parameters<EmulatorState['createRole']>[1] = { name: body.string('name') };
      const id = body.optionalString('id');
      const position = body.optionalNumber('position');
      const permissions = body.optionalPermissions('permissions');
      const managed = body.optionalBoolean('managed');
      const color = body.optionalNumber('color');
      if (id !== undefined) input.id = id;
      if (position !== undefined) input.position = position;
      if (permissions !== undefined) input.permissions = permissions;
      if (managed !== undefined) input.managed = managed;
      if (color !== undefined) input.color = color;
      return toApiRole(state.createRole(param(request, 'guild_id'), input));
    }),
    control('PATCH', '/guilds/{guild_id}/roles/{role_id}', (request, body) => {
      const patch: Parameters<EmulatorState['updateRole']>[2] = {};
      const name = body.optionalString('name');
      const position = body.optionalNumber('position');
      const permissions = body.optionalPermissions('permissions');
      const managed = body.optionalBoolean('managed');
      if (name !== undefined) patch.name = name;
      if (position !== undefined) patch.position = position;
      if (permissions !== undefined) patch.permissions = permissions;
      if (managed !== undefined) patch.managed = managed;
      return toApiRole(state.updateRole(param(request, 'guild_id'), param(request, 'role_id'), patch));
    }),
    control('DELETE', '/guilds/{guild_id}/roles/{role_id}', (request) =>
      state.deleteRole(param(request, 'guild_id'), param(request, 'role_id')),
    ),
    control('POST', '/guilds/{guild_id}/channels', (request, body) => {
      const input: Parameters<EmulatorState['createChannel']>[1] = { name: body.string('name') };
      const id = body.optionalString('id');
      const type = body.optionalNumber('type');
      const parentId = body.nullableString('parentId');
      const topic = body.nullableString('topic');
      const overwriteList = overwrites(body.raw('permissionOverwrites'));
      if (id !== undefined) input.id = id;
      if (type !== undefined) {
        if (![0, 2, 4, 5, 15].includes(type)) throw new ControlError('type must be 0, 2, 4, 5 or 15');
        input.type = type as ChannelTypeValue;
      }
      if (parentId !== undefined) input.parentId = parentId;
      if (topic !== undefined) input.topic = topic;
      if (overwriteList !== undefined) input.permissionOverwrites = overwriteList;
      return toApiChannel(state.createChannel(param(request, 'guild_id'), input));
    }),
    control('PATCH', '/channels/{channel_id}', (request, body) => {
      const patch: Parameters<EmulatorState['updateChannel']>[1] = {};
      const name = body.optionalString('name');
      const overwriteList = overwrites(body.raw('permissionOverwrites'));
      if (name !== undefined) patch.name = name;
      if (overwriteList !== undefined) patch.permissionOverwrites = overwriteList;
      return toApiChannel(state.updateChannel(param(request, 'channel_id'), patch));
    }),
    control('GET', '/channels/{channel_id}/messages', (request) => {
      state.requireChannel(param(request, 'channel_id'));
      return state.messages(param(request, 'channel_id'));
    }),

    // members and bans
    control('PUT', '/guilds/{guild_id}/members/{user_id}', (request, body) => {
      const input: Parameters<EmulatorState['joinGuild']>[2] = {};
      const roles = body.optionalStringArray('roles');
      const nick = body.nullableString('nick');
      const pending = body.optionalBoolean('pending');
      if (roles !== undefined) input.roles = roles;
      if (nick !== undefined) input.nick = nick;
      if (pending !== undefined) input.pending = pending;
      state.joinGuild(param(request, 'guild_id'), param(request, 'user_id'), input);
      return state.apiMember(param(request, 'guild_id'), param(request, 'user_id'));
    }),
    control('GET', '/guilds/{guild_id}/members/{user_id}', (request) => {
      const member = state.apiMember(param(request, 'guild_id'), param(request, 'user_id'));
      if (!member) throw new ControlError('not a member', 404);
      return member;
    }),
    control('DELETE', '/guilds/{guild_id}/members/{user_id}', (request) =>
      state.leaveGuild(param(request, 'guild_id'), param(request, 'user_id')),
    ),
    control('PUT', '/guilds/{guild_id}/members/{user_id}/roles', (request, body) => {
      const roles = body.optionalStringArray('roles');
      if (roles === undefined) throw new ControlError('roles is required');
      state.setMemberRoles(param(request, 'guild_id'), param(request, 'user_id'), roles);
      return { roles: state.memberRoles(param(request, 'guild_id'), param(request, 'user_id')) };
    }),
    control('PUT', '/guilds/{guild_id}/bans/{user_id}', (request, body) =>
      state.ban(param(request, 'guild_id'), param(request, 'user_id'), body.nullableString('reason') ?? null),
    ),
    control('DELETE', '/guilds/{guild_id}/bans/{user_id}', (request) =>
      state.unban(param(request, 'guild_id'), param(request, 'user_id')),
    ),

    // faults
    control('GET', '/faults', () => faults.snapshot()),
    control('DELETE', '/faults', () => faults.clear()),
    control('PUT', '/faults/latency', (_request, body) => {
      const ms = body.optionalNumber('ms');
      const minMs = body.optionalNumber('minMs');
      const maxMs = body.optionalNumber('maxMs');
      faults.setLatency(ms ?? (minMs !== undefined && maxMs !== undefined ? { minMs, maxMs } : null));
      return faults.snapshot();
    }),
    control('PUT', '/faults/server-errors', (_request, body) => {
      faults.setServerErrorRate(body.number('rate'), body.optionalNumberArray('statuses'));
      return faults.snapshot();
    }),
    control('POST', '/faults/rate-limit-storm', (_request, body) => {
      const scope = body.oneOf<RateLimitScope>('scope', ['user', 'global', 'shared']);
      if (scope === undefined) throw new ControlError('scope is required');
      const retryAfterMs = body.optionalNumber('retryAfterMs');
      const route = body.optionalString('route');
      return faults.startRateLimitStorm({
        scope,
        durationMs: body.number('durationMs'),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(route === undefined ? {} : { route }),
      });
    }),
    control('POST', '/faults/drop-http', (_request, body) => {
      const rate = body.optionalNumber('rate');
      const count = body.optionalNumber('count');
      faults.dropHttpConnections({
        ...(rate === undefined ? {} : { rate }),
        ...(count === undefined ? {} : { count }),
      });
      return faults.snapshot();
    }),
    control('POST', '/faults/gateway/drop', () => ({ affected: faults.dropGatewayConnections() })),
    control('POST', '/faults/gateway/reconnect', () => ({ affected: faults.forceReconnect() })),
    control('POST', '/faults/gateway/invalid-session', (_request, body) => ({
      affected: faults.forceInvalidSession(body.optionalBoolean('resumable') ?? false),
    })),

    // stats and rate limits
    control('GET', '/stats', () => ({ ...stats.snapshot(), gateway: ctx.gatewayCounts() })),
    control('GET', '/stats/requests', (request) => stats.requests(requestFilter(request.query))),
    control('DELETE', '/stats', () => stats.reset()),
    control('POST', '/rate-limits/reset', () => limiter.reset()),
  ];
}
