import { DiscordAPIError, REST, RequestMethod, type RouteLike } from '@discordjs/rest';
import { Routes, type APIGuild } from 'discord-api-types/v10';
import { toDiscordRequestError } from '../rest/discord-request-error';
import {
  type DiscordRestOptions,
  REST_TIMEOUT_DISABLED,
  resolveRestOptions,
} from '../rest/discord-rest-options';
import { createDiscordTransport, type MakeRequest } from '../rest/discord-transport';
import { routeTemplate } from '../rest/route-template';
import { assertSnowflake } from '../rest/snowflake';
import { OAuthError } from './oauth-error';

/** Options of {@link DiscordOAuthClient}. */
export interface DiscordOAuthClientOptions extends DiscordRestOptions {
  /** The application id (`DISCORD_CLIENT_ID`). */
  clientId: string;
  /** `DISCORD_CLIENT_SECRET`. */
  clientSecret: string;
  /** How the client authenticates at the token endpoints: HTTP Basic (default) or form fields. Discord accepts both. */
  clientAuthentication?: 'basic' | 'form';
  /** Clock for `expiresAt`. */
  now?: () => number;
  /** Sends one HTTP request. Default: @discordjs/rest's undici strategy; for tests only. */
  send?: MakeRequest;
}

/** Tokens from a code exchange or a refresh. Secrets: encrypt before storing, never log or queue them. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scopes: string[];
  tokenType: string;
  /** The guild the bot was installed in, for a `bot` authorization. */
  guild?: APIGuild;
}

/** Which kind of token {@link DiscordOAuthClient.revoke} is given (RFC 7009 `token_type_hint`). */
export type TokenTypeHint = 'access_token' | 'refresh_token';

interface TokenResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  scope?: unknown;
  guild?: unknown;
}

/**
 * Discord's OAuth2 token endpoints: code exchange (with PKCE), refresh and revocation. Form-encoded
 * bodies only (Discord rejects JSON there), `auth: false` on a REST instance of its own (so an OAuth 401
 * can never erase a bot token), and RFC 6749 errors as {@link OAuthError}. Transport failures (5xx,
 * network) are classified DiscordRequestErrors like every other call.
 */
export class DiscordOAuthClient {
  private readonly rest: REST;
  private readonly now: () => number;

  constructor(private readonly options: DiscordOAuthClientOptions) {
    const resolved = resolveRestOptions(options);
    assertSnowflake('clientId', options.clientId);
    if (!options.clientSecret) throw new RangeError('clientSecret must be set');
    this.now = options.now ?? Date.now;
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

  /** Exchanges an authorization code (from the customer or the bot-install redirect) for tokens. */
  async exchangeCode(input: {
    code: string;
    redirectUri: string;
    codeVerifier?: string;
  }): Promise<OAuthTokens> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
    });
    if (input.codeVerifier !== undefined) form.set('code_verifier', input.codeVerifier);
    return this.tokens(await this.post(Routes.oauth2TokenExchange(), form));
  }

  /** A new access token; Discord rotates the refresh token too, so store both. */
  async refresh(refreshToken: string): Promise<OAuthTokens> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    return this.tokens(await this.post(Routes.oauth2TokenExchange(), form));
  }

  /** Revokes a token (RFC 7009); revoking an unknown or already revoked token is not an error. */
  async revoke(token: string, tokenTypeHint: TokenTypeHint): Promise<void> {
    const form = new URLSearchParams({ token, token_type_hint: tokenTypeHint });
    await this.post(Routes.oauth2TokenRevocation(), form);
  }

  private async post(fullRoute: RouteLike, form: URLSearchParams): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (this.options.clientAuthentication === 'form') {
      form.set('client_id', this.options.clientId);
      form.set('client_secret', this.options.clientSecret);
    } else {
      // RFC 6749 §2.3.1: both parts are form-encoded before Base64.
      const credentials = `${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`;
      headers.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    try {
      return await this.rest.post(fullRoute, {
        auth: false,
        passThroughBody: true,
        body: form.toString(),
        headers,
      });
    } catch (error) {
      if (error instanceof DiscordAPIError) {
        const raw = error.rawError as { error?: unknown; error_description?: unknown };
        if (typeof raw.error === 'string') {
          throw new OAuthError({
            error: raw.error,
            description: typeof raw.error_description === 'string' ? raw.error_description : null,
            status: error.status,
          });
        }
      }
      throw toDiscordRequestError(error, {
        method: RequestMethod.Post,
        route: routeTemplate(fullRoute),
        auth: 'none',
      });
    }
  }

  private tokens(body: unknown): OAuthTokens {
    const response = (body ?? {}) as TokenResponse;
    const { access_token, refresh_token, token_type, expires_in, scope } = response;
    if (
      typeof access_token !== 'string' ||
      typeof refresh_token !== 'string' ||
      typeof token_type !== 'string' ||
      typeof expires_in !== 'number' ||
      typeof scope !== 'string'
    ) {
      throw new Error('Discord answered the token request without the fields of a token response');
    }
    const tokens: OAuthTokens = {
      accessToken: access_token,
      refreshToken: refresh_token,
      tokenType: token_type,
      expiresAt: new Date(this.now() + expires_in * 1000),
      scopes: scope.split(' ').filter((name) => name.length > 0),
    };
    if (typeof response.guild === 'object' && response.guild !== null)
      tokens.guild = response.guild as APIGuild;
    return tokens;
  }
}
