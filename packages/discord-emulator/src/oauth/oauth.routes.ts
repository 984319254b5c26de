import { createHash, timingSafeEqual } from 'node:crypto';
import { hasPermission, parsePermissions, PermissionFlags } from '../discord/permission-flags';
import { isSnowflake } from '../discord/snowflake';
import { type ApiRequest, type ApiResponse, type RouteDefinition } from '../http/api-types';
import { toApiGuild } from '../state/api-views';
import { type RestContext } from '../rest/rest-context';
import { type TokenGrant } from './oauth-store';

/** Scopes the emulated authorize screen accepts; anything else is `invalid_scope`. */
const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'identify',
  'email',
  'connections',
  'guilds',
  'guilds.join',
  'guilds.members.read',
  'bot',
  'applications.commands',
  'role_connections.write',
  'openid',
]);

function oauthError(status: number, error: string, description?: string): ApiResponse {
  const body: Record<string, string> = { error };
  if (description !== undefined) body.error_description = description;
  return { status, body };
}

function formBody(request: ApiRequest): URLSearchParams | undefined {
  const type = request.headers['content-type'] ?? '';
  return type.includes('application/x-www-form-urlencoded')
    ? new URLSearchParams(request.rawBody.toString('utf8'))
    : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// Client authentication by HTTP Basic or by client_id/client_secret form fields (both are accepted by Discord).
function clientAuthenticated(ctx: RestContext, request: ApiRequest, form: URLSearchParams): boolean {
  const header = request.headers.authorization;
  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  return (
    clientId === ctx.application.id && secret !== null && sameSecret(secret, ctx.application.clientSecret)
  );
}

function tokenResponse(ctx: RestContext, grant: TokenGrant): ApiResponse {
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    access_token: grant.accessToken,
    expires_in: Math.round((grant.expiresAt - grant.issuedAt) / 1000),
    refresh_token: grant.refreshToken,
    scope: grant.scopes.join(' '),
  };
  if (grant.guildId !== null) {
    const guild = ctx.state.guild(grant.guildId);
    if (guild) body.guild = toApiGuild(guild);
  }
  return { status: 200, body, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
}

/** PKCE S256: BASE64URL(SHA256(verifier)) must equal the challenge sent to /oauth2/authorize. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function exchangeToken(ctx: RestContext, request: ApiRequest): ApiResponse {
  // Discord reads only form bodies: a JSON body looks like a request without grant_type.
  const form = formBody(request) ?? new URLSearchParams();
  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return oauthError(400, 'unsupported_grant_type', `Grant type ${grantType ?? 'None'} is not supported`);
  }
  if (!clientAuthenticated(ctx, request, form)) return oauthError(401, 'invalid_client');

  if (grantType === 'refresh_token') {
    const grant = ctx.state.oauth.refresh(form.get('refresh_token') ?? '');
    return grant
      ? tokenResponse(ctx, grant)
      : oauthError(400, 'invalid_grant', 'Invalid "refresh_token" in request.');
  }

  const code = ctx.state.oauth.consumeCode(form.get('code') ?? '');
  if (!code || code.clientId !== ctx.application.id) {
    return oauthError(400, 'invalid_grant', 'Invalid "code" in request.');
  }
  if (form.get('redirect_uri') !== code.redirectUri) {
    return oauthError(400, 'invalid_grant', 'Invalid "redirect_uri" in request.');
  }
  if (code.codeChallenge !== null && !pkceMatches(form.get('code_verifier') ?? '', code.codeChallenge)) {
    return oauthError(400, 'invalid_grant', 'Invalid "code_verifier" in request.');
  }
  return tokenResponse(ctx, ctx.state.oauth.issueTokens(code.userId, code.scopes, code.guildId));
}

function revokeToken(ctx: RestContext, request: ApiRequest): ApiResponse {
  const form = formBody(request);
  if (!form) return oauthError(400, 'invalid_request', 'Missing "token" in request.');
  if (!clientAuthenticated(ctx, request, form)) return oauthError(401, 'invalid_client');
  const token = form.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'Missing "token" in request.');
  // RFC 7009: an unknown or already revoked token is not an error.
  ctx.state.oauth.revoke(token);
  return { status: 200, body: {} };
}

/** `POST /oauth2/token` and `/oauth2/token/revoke` under the API prefix. */
export function oauthTokenRoutes(ctx: RestContext): RouteDefinition[] {
  return [
    {
      method: 'POST',
      template: '/oauth2/token',
      auth: 'none',
      limit: ctx.buckets['oauth-token'],
      majorParameter: null,
      handle: (request) => exchangeToken(ctx, request),
    },
    {
      method: 'POST',
      template: '/oauth2/token/revoke',
      auth: 'none',
      limit: ctx.buckets['oauth-token'],
      majorParameter: null,
      handle: (request) => revokeToken(ctx, request),
    },
  ];
}

/** Outcome of the browser-facing authorize step: a redirect, or a page (JSON here) that does not redirect. */
export type AuthorizeOutcome =
  { kind: 'redirect'; location: string } | { kind: 'page'; status: number; body: Record<string, unknown> };

function redirectTo(redirectUri: string, params: Record<string, string | null>): AuthorizeOutcome {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return { kind: 'redirect', location: url.toString() };
}

/**
 * `GET /oauth2/authorize`: validates like Discord's consent screen, then consents (or denies) as the
 * configured authorizing user. Problems with client_id or redirect_uri show an error page; everything
 * else is reported to the redirect URI, as RFC 6749 asks.
 */
export function authorize(ctx: RestContext, query: URLSearchParams): AuthorizeOutcome {
  const state = query.get('state');
  if (query.get('client_id') !== ctx.application.id) {
    return {
      kind: 'page',
      status: 400,
      body: { error: 'invalid_client', error_description: 'Unknown Application' },
    };
  }
  const scopes = (query.get('scope') ?? '').split(/[\s+]+/).filter((scope) => scope.length > 0);
  const isBot = scopes.includes('bot');
  const redirectUri = query.get('redirect_uri');
  if (redirectUri === null ? !isBot : !ctx.application.redirectUris.includes(redirectUri)) {
    return {
      kind: 'page',
      status: 400,
      body: { error: 'invalid_request', error_description: 'Invalid OAuth2 redirect_uri' },
    };
  }
  const fail = (error: string, description: string): AuthorizeOutcome =>
    redirectUri === null
      ? { kind: 'page', status: 400, body: { error, error_description: description } }
      : redirectTo(redirectUri, { error, error_description: description, state });

  if (redirectUri !== null && query.get('response_type') !== 'code') {
    return fail(
      'unsupported_response_type',
      `Response type ${query.get('response_type') ?? 'None'} is not supported`,
    );
  }
  if (scopes.length === 0)
    return fail('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
  const unknown = scopes.find((scope) => !KNOWN_SCOPES.has(scope));
  if (unknown !== undefined) return fail('invalid_scope', `Invalid scope: ${unknown}`);
  const challenge = query.get('code_challenge');
  if (
    challenge !== null &&
    (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
  ) {
    return fail('invalid_request', 'code_challenge_method must be S256 with a 43-character code_challenge');
  }
  if (ctx.state.consentDecision === 'deny') {
    return fail('access_denied', 'The resource owner or authorization server denied the request');
  }

  const userId = ctx.state.authorizingUserId;
  let guildId: string | null = null;
  let permissions: string | null = null;
  if (isBot) {
    guildId = query.get('guild_id') ?? ctx.state.defaultInstallGuildId;
    const guild = guildId !== null && isSnowflake(guildId) ? ctx.state.guild(guildId) : undefined;
    if (!guild || guildId === null) {
      return {
        kind: 'page',
        status: 400,
        body: { error: 'invalid_request', error_description: 'No guild selected for the bot' },
      };
    }
    if (!hasPermission(ctx.state.basePermissions(guild.id, userId), PermissionFlags.MANAGE_GUILD)) {
      return {
        kind: 'page',
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'The authorizing user lacks Manage Server in that guild',
        },
      };
    }
    let granted: bigint;
    try {
      granted = parsePermissions(query.get('permissions') ?? '0');
    } catch {
      return fail('invalid_request', 'Invalid permissions');
    }
    permissions = granted.toString();
    ctx.state.installBot(guild.id, { permissions: granted });
  }

  if (redirectUri === null)
    return { kind: 'page', status: 200, body: { authorized: true, guild_id: guildId } };
  const code = ctx.state.oauth.issueCode({
    clientId: ctx.application.id,
    redirectUri,
    userId,
    scopes,
    codeChallenge: challenge,
    guildId,
    permissions,
  });
  return redirectTo(redirectUri, { code: code.code, state, guild_id: guildId, permissions });
}
