import { REST, RequestMethod, type RouteLike } from '@discordjs/rest';
import {
  Routes,
  type APIUser,
  type RESTGetAPIOAuth2CurrentAuthorizationResult,
  type RESTGetAPICurrentUserResult,
} from 'discord-api-types/v10';
import { toDiscordRequestError } from './discord-request-error';
import { type DiscordRestOptions, REST_TIMEOUT_DISABLED, resolveRestOptions } from './discord-rest-options';
import { createDiscordTransport, type MakeRequest } from './discord-transport';
import { routeTemplate } from './route-template';

/** Options of {@link DiscordUserClient}. */
export interface DiscordUserClientOptions extends DiscordRestOptions {
  /** Sends one HTTP request. Default: @discordjs/rest's undici strategy; for tests only. */
  send?: MakeRequest;
}

/** What a customer's access token is good for (`GET /oauth2/@me`). */
export interface CurrentAuthorization {
  applicationId: string | null;
  scopes: string[];
  expiresAt: Date;
  /** Present when the token has the `identify` scope. */
  user: APIUser | null;
}

/**
 * Calls made with a customer's OAuth2 access token. A separate @discordjs/rest instance from the bot's,
 * and every call `auth: false` with an explicit Bearer header: @discordjs/rest erases its own token on
 * any 401 of an authenticated call, and a customer's revoked token must never take the bot token with it.
 * Bearer calls do not spend the bot token's global limit, so they skip the shared limiter.
 */
export class DiscordUserClient {
  private readonly rest: REST;

  constructor(options: DiscordUserClientOptions) {
    const resolved = resolveRestOptions(options);
    this.rest = new REST({
      api: resolved.apiBaseUrl,
      version: '10',
      retries: resolved.retries,
      timeout: REST_TIMEOUT_DISABLED,
      makeRequest: createDiscordTransport({
        timeoutMs: resolved.timeoutMs,
        retries: resolved.retries,
        hooks: resolved.hooks,
        ...(options.send === undefined ? {} : { send: options.send }),
      }),
    });
  }

  /** The customer's Discord user (scope `identify`). */
  async getCurrentUser(accessToken: string): Promise<RESTGetAPICurrentUserResult> {
    return (await this.get(Routes.user('@me'), accessToken)) as RESTGetAPICurrentUserResult;
  }

  /** The token's scopes and expiry, and its user when it has `identify`. */
  async getCurrentAuthorization(accessToken: string): Promise<CurrentAuthorization> {
    const result = (await this.get(
      Routes.oauth2CurrentAuthorization(),
      accessToken,
    )) as RESTGetAPIOAuth2CurrentAuthorizationResult;
    return {
      applicationId: result.application.id ?? null,
      scopes: [...result.scopes],
      expiresAt: new Date(result.expires),
      user: result.user ?? null,
    };
  }

  private async get(fullRoute: RouteLike, accessToken: string): Promise<unknown> {
    if (!accessToken) throw new RangeError('accessToken must be set');
    try {
      // @discordjs/rest keeps rate-limit buckets per route, not per token: customers share them here,
      // which only makes this rare call more conservative than Discord requires.
      return await this.rest.get(fullRoute, {
        auth: false,
        headers: { Authorization: `Bearer ${accessToken}` },
      });
    } catch (error) {
      throw toDiscordRequestError(error, {
        method: RequestMethod.Get,
        route: routeTemplate(fullRoute),
        auth: 'bearer',
      });
    }
  }
}
