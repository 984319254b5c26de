import { REST, RequestMethod, type RequestData, type RouteLike } from '@discordjs/rest';
import {
  Routes,
  type APIAllowedMentions,
  type APIEmbed,
  type APIGuild,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APIUser,
  type RESTGetAPIGatewayBotResult,
  type RESTGetAPIGuildChannelsResult,
  type RESTPostAPIChannelMessageJSONBody,
  type RESTPutAPIGuildMemberJSONBody,
} from 'discord-api-types/v10';
import { auditLogReason } from './audit-log-reason';
import { DiscordRequestError, toDiscordRequestError } from './discord-request-error';
import { type DiscordRestOptions, REST_TIMEOUT_DISABLED, resolveRestOptions } from './discord-rest-options';
import { createDiscordTransport, type GlobalRateLimiter, type MakeRequest } from './discord-transport';
import { routeTemplate } from './route-template';
import { assertSnowflake } from './snowflake';

/** Options of {@link DiscordBotClient}. */
export interface DiscordBotClientOptions extends DiscordRestOptions {
  /** The bot token (`DISCORD_BOT_TOKEN`). */
  token: string;
  /** The limiter shared by every process on this token (`DISCORD_GLOBAL_RATE_LIMIT`); awaited before every HTTP request. */
  limiter: GlobalRateLimiter;
  /** The bot's user id, for {@link DiscordBotClient.getBotMember}; read once from `GET /users/@me` when absent. */
  botUserId?: string;
  /**
   * A rate limit asking to wait longer than this rejects with a `rate_limited` DiscordRequestError
   * instead of waiting, so that a worker can release the job and apply its own rate limit. Default:
   * wait however long Discord asks.
   */
  maxRateLimitWaitMs?: number;
  /** `onInvalidRequestWarning` fires every this many invalid requests. Default 500 (5 % of Discord's ban threshold). */
  invalidRequestWarningInterval?: number;
  /** Sends one HTTP request. Default: @discordjs/rest's undici strategy; for tests only. */
  send?: MakeRequest;
}

/** What {@link DiscordBotClient.addGuildMember} did. */
export type AddGuildMemberResult =
  /** 201: the user joined, with the roles asked for. */
  | { added: true; member: APIGuildMember }
  /** 204: the user was already a member; Discord ignored the roles, which still have to be granted one by one. */
  | { added: false };

/** A message to post; mentions ping nobody unless `allowedMentions` says otherwise. */
export interface CreateMessageInput {
  content?: string;
  embeds?: APIEmbed[];
  /** Default `{ parse: [] }`: no user, role, @everyone or @here ping. */
  allowedMentions?: APIAllowedMentions;
  /** Up to 25 characters; sent with `enforce_nonce`, so a retried post within minutes is not posted twice. */
  nonce?: string;
}

const MAX_NONCE_LENGTH = 25;

/**
 * The bot's REST client: one @discordjs/rest instance for the bot token, every HTTP request (retries
 * included) admitted by the shared global limiter first, every failure a classified
 * {@link DiscordRequestError}. Safe to share across concurrent jobs.
 */
export class DiscordBotClient {
  private readonly rest: REST;
  private botUserId: Promise<string> | undefined;
  // @discordjs/rest erases its token on a 401; remembering it lets later calls fail fast and clearly
  // instead of with "Expected token to be set", and without spending more invalid requests.
  private tokenRejected = false;

  constructor(options: DiscordBotClientOptions) {
    const resolved = resolveRestOptions(options);
    if (!options.token) throw new RangeError('token must be set');
    if (options.botUserId !== undefined) {
      assertSnowflake('botUserId', options.botUserId);
      this.botUserId = Promise.resolve(options.botUserId);
    }
    const maxWait = options.maxRateLimitWaitMs;
    const transport = createDiscordTransport({
      limiter: options.limiter,
      timeoutMs: resolved.timeoutMs,
      retries: resolved.retries,
      hooks: resolved.hooks,
      ...(options.send === undefined ? {} : { send: options.send }),
    });
    this.rest = new REST({
      api: resolved.apiBaseUrl,
      version: '10',
      retries: resolved.retries,
      timeout: REST_TIMEOUT_DISABLED,
      // The shared limiter is the global limit (DISCORD_GLOBAL_RATE_LIMIT may differ from Discord's
      // default 50). @discordjs/rest still stops every request after a global 429.
      globalRequestsPerSecond: Number.POSITIVE_INFINITY,
      makeRequest: transport,
      invalidRequestWarningInterval: options.invalidRequestWarningInterval ?? 500,
      rejectOnRateLimit: maxWait === undefined ? null : (data) => data.retryAfter > maxWait,
    }).setToken(options.token);
    const onInvalid = resolved.hooks.onInvalidRequestWarning;
    if (onInvalid) this.rest.on('invalidRequestWarning', (data) => onInvalid(data.count));
  }

  /** Grants a role (204). The reason lands in the guild's audit log. */
  async addMemberRole(guildId: string, userId: string, roleId: string, reason: string): Promise<void> {
    this.assertIds({ guildId, userId, roleId });
    await this.call(RequestMethod.Put, Routes.guildMemberRole(guildId, userId, roleId), {
      reason: auditLogReason(reason),
    });
  }

  /** Removes a role (204). The reason lands in the guild's audit log. */
  async removeMemberRole(guildId: string, userId: string, roleId: string, reason: string): Promise<void> {
    this.assertIds({ guildId, userId, roleId });
    await this.call(RequestMethod.Delete, Routes.guildMemberRole(guildId, userId, roleId), {
      reason: auditLogReason(reason),
    });
  }

  /**
   * Adds a customer to the guild with their OAuth token (scope `guilds.join`), with `roleIds`. Discord
   * answers 204 and ignores the roles when the user is already a member: then `added` is false.
   */
  async addGuildMember(
    guildId: string,
    userId: string,
    accessToken: string,
    roleIds: readonly string[],
  ): Promise<AddGuildMemberResult> {
    this.assertIds({ guildId, userId });
    roleIds.forEach((roleId, index) => assertSnowflake(`roleIds[${index}]`, roleId));
    const body: RESTPutAPIGuildMemberJSONBody = { access_token: accessToken };
    if (roleIds.length > 0) body.roles = [...roleIds];
    const fullRoute = Routes.guildMember(guildId, userId);
    const response = await this.send(RequestMethod.Put, fullRoute, (rest) =>
      rest.queueRequest({ method: RequestMethod.Put, fullRoute, body }),
    );
    if (response.status === 201) return { added: true, member: (await response.json()) as APIGuildMember };
    // Drain the (empty) body so the connection goes back to the pool.
    await response.arrayBuffer();
    return { added: false };
  }

  async getMember(guildId: string, userId: string): Promise<APIGuildMember> {
    this.assertIds({ guildId, userId });
    return (await this.call(RequestMethod.Get, Routes.guildMember(guildId, userId))) as APIGuildMember;
  }

  async getGuild(guildId: string): Promise<APIGuild> {
    this.assertIds({ guildId });
    return (await this.call(RequestMethod.Get, Routes.guild(guildId))) as APIGuild;
  }

  async getGuildRoles(guildId: string): Promise<APIRole[]> {
    this.assertIds({ guildId });
    return (await this.call(RequestMethod.Get, Routes.guildRoles(guildId))) as APIRole[];
  }

  async getGuildChannels(guildId: string): Promise<RESTGetAPIGuildChannelsResult> {
    this.assertIds({ guildId });
    return (await this.call(
      RequestMethod.Get,
      Routes.guildChannels(guildId),
    )) as RESTGetAPIGuildChannelsResult;
  }

  /** The bot's own member in a guild (its roles decide what it may grant). */
  async getBotMember(guildId: string): Promise<APIGuildMember> {
    this.assertIds({ guildId });
    return this.getMember(guildId, await this.currentBotUserId());
  }

  /** Posts a message; no mention pings unless `allowedMentions` allows it. */
  async createMessage(channelId: string, input: CreateMessageInput): Promise<APIMessage> {
    this.assertIds({ channelId });
    const body: RESTPostAPIChannelMessageJSONBody = {
      allowed_mentions: input.allowedMentions ?? { parse: [] },
    };
    if (input.content !== undefined) body.content = input.content;
    if (input.embeds !== undefined) body.embeds = input.embeds;
    if (input.nonce !== undefined) {
      if (input.nonce.length === 0 || input.nonce.length > MAX_NONCE_LENGTH)
        throw new RangeError(`nonce must have 1 to ${MAX_NONCE_LENGTH} characters`);
      body.nonce = input.nonce;
      body.enforce_nonce = true;
    }
    return (await this.call(RequestMethod.Post, Routes.channelMessages(channelId), { body })) as APIMessage;
  }

  /** Gateway URL, recommended shards and session start limits. */
  async getGatewayBot(): Promise<RESTGetAPIGatewayBotResult> {
    return (await this.call(RequestMethod.Get, Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  }

  private currentBotUserId(): Promise<string> {
    this.botUserId ??= (async () => {
      const user = (await this.call(RequestMethod.Get, Routes.user('@me'))) as APIUser;
      return user.id;
    })();
    // A failed lookup is not cached: the next call asks again.
    this.botUserId.catch(() => {
      this.botUserId = undefined;
    });
    return this.botUserId;
  }

  private assertIds(ids: Record<string, string>): void {
    for (const [name, value] of Object.entries(ids)) assertSnowflake(name, value);
  }

  private async call(method: RequestMethod, fullRoute: RouteLike, data: RequestData = {}): Promise<unknown> {
    return this.send(method, fullRoute, (rest) => rest.request({ ...data, method, fullRoute }));
  }

  private async send<T>(
    method: RequestMethod,
    fullRoute: RouteLike,
    run: (rest: REST) => Promise<T>,
  ): Promise<T> {
    const request = { method, route: routeTemplate(fullRoute), auth: 'bot' as const };
    if (this.tokenRejected) {
      throw new DiscordRequestError({
        ...request,
        status: 401,
        code: 0,
        classification: { kind: 'bug', reason: 'bot_token_rejected' },
        detail: 'not sent: Discord rejected the bot token earlier (401); check DISCORD_BOT_TOKEN',
      });
    }
    try {
      return await run(this.rest);
    } catch (error) {
      const failure = toDiscordRequestError(error, request);
      if (failure.status === 401) this.tokenRejected = true;
      throw failure;
    }
  }
}
