import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { describe, expect, it } from '@jest/globals';
import { runInNewContext } from 'node:vm';
import { OAuthError } from '../oauth/oauth-error';
import { DiscordRequestError } from '../rest/discord-request-error';
import { DiscordNetworkError } from '../rest/network-error';
import { classifyDiscordError } from './classify-discord-error';
import { DISCORD_ERROR_CLASSES, type DiscordErrorClass, isPermanent } from './discord-error-class';
import { classifyFailure, type DiscordFailure, MERCHANT_FIXES } from './discord-failure';

function response(
  status: number,
  code: number | null,
  auth: 'bot' | 'bearer' | 'none' = 'bot',
): DiscordFailure {
  return { type: 'response', status, code, auth };
}

function apiError(status: number, body: Record<string, unknown>): DiscordAPIError {
  const code = 'code' in body ? (body.code as number) : (body.error as string);
  return new DiscordAPIError(body as never, code, status, 'PUT', 'https://discord.com/api/v10/guilds/1', {
    body: undefined,
    files: undefined,
  });
}

describe('classifyFailure', () => {
  // Every code of FACTS.md's error table, with its status, and the codes the emulator adds.
  it.each<[string, DiscordFailure, DiscordErrorClass]>([
    [
      '10003 unknown channel',
      response(404, 10003),
      { kind: 'needs_merchant_action', code: 'unknown_channel', fix: MERCHANT_FIXES.unknown_channel },
    ],
    ['10004 unknown guild', response(404, 10004), { kind: 'guild_gone' }],
    ['10007 unknown member', response(404, 10007), { kind: 'pending', reason: 'unknown_member' }],
    [
      '10011 unknown role',
      response(404, 10011),
      { kind: 'needs_merchant_action', code: 'unknown_role', fix: MERCHANT_FIXES.unknown_role },
    ],
    ['10013 unknown user', response(404, 10013), { kind: 'blocked', reason: 'unknown_user' }],
    ['30001 guild cap', response(400, 30001), { kind: 'user_at_guild_cap' }],
    ['40007 banned', response(403, 40007), { kind: 'blocked', reason: 'banned' }],
    [
      '50001 missing access',
      response(403, 50001),
      { kind: 'needs_merchant_action', code: 'missing_access', fix: MERCHANT_FIXES.missing_access },
    ],
    ['50006 empty message', response(400, 50006), { kind: 'bug', reason: 'empty_message' }],
    [
      '50008 non-text channel',
      response(400, 50008),
      { kind: 'needs_merchant_action', code: 'channel_not_text', fix: MERCHANT_FIXES.channel_not_text },
    ],
    [
      '50013 missing permissions',
      response(403, 50013),
      { kind: 'needs_merchant_action', code: 'missing_permissions', fix: MERCHANT_FIXES.missing_permissions },
    ],
    [
      '50025 invalid OAuth2 token',
      response(403, 50025),
      { kind: 'token_invalid', reason: 'invalid_oauth_token' },
    ],
    ['50035 invalid form body', response(400, 50035), { kind: 'bug', reason: 'invalid_form_body' }],
    ['50109 invalid JSON', response(400, 50109), { kind: 'bug', reason: 'invalid_json' }],
    ['401 code 0 on a bot call', response(401, 0, 'bot'), { kind: 'bug', reason: 'bot_token_rejected' }],
    [
      '401 on a Bearer call',
      response(401, 0, 'bearer'),
      { kind: 'token_invalid', reason: 'bearer_unauthorized' },
    ],
    [
      '401 on an OAuth token call',
      response(401, null, 'none'),
      { kind: 'bug', reason: 'oauth_client_rejected' },
    ],
    ['500', response(500, null), { kind: 'retryable', reason: 'server_error' }],
    ['502', response(502, 0), { kind: 'retryable', reason: 'server_error' }],
    ['503', response(503, null), { kind: 'retryable', reason: 'server_error' }],
    ['504', response(504, null), { kind: 'retryable', reason: 'server_error' }],
    ['400 without a known code', response(400, 0), { kind: 'bug', reason: 'bad_request' }],
    ['404 unknown route', response(404, 0), { kind: 'bug', reason: 'unexpected' }],
    ['403 with an unknown code', response(403, 20_001), { kind: 'bug', reason: 'unexpected' }],
    ['an unknown code', response(400, 999_999), { kind: 'bug', reason: 'bad_request' }],
    [
      '429 response',
      {
        type: 'response',
        status: 429,
        code: null,
        auth: 'bot',
        retryAfterMs: 1_250,
        scope: 'shared',
        global: false,
      },
      { kind: 'rate_limited', retryAfterMs: 1_250, scope: 'shared', global: false },
    ],
    [
      '429 without details',
      response(429, null),
      { kind: 'rate_limited', retryAfterMs: 1_000, scope: 'user', global: false },
    ],
    [
      'a refused wait',
      { type: 'rate_limited', retryAfterMs: 60_000, scope: 'global', global: true },
      { kind: 'rate_limited', retryAfterMs: 60_000, scope: 'global', global: true },
    ],
    ['a dropped connection', { type: 'network', timedOut: false }, { kind: 'retryable', reason: 'network' }],
    ['a timeout', { type: 'network', timedOut: true }, { kind: 'retryable', reason: 'timeout' }],
    ['anything else', { type: 'unknown' }, { kind: 'bug', reason: 'unexpected' }],
  ])('%s', (_name, failure, expected) => {
    expect(classifyFailure(failure)).toEqual(expected);
  });

  it('decides by the Discord code before the status', () => {
    // Discord sends 10007 with 404; a proxy rewriting the status must not turn it into a bug.
    expect(classifyFailure(response(400, 10007)).kind).toBe('pending');
  });
});

describe('isPermanent', () => {
  it.each<[DiscordErrorClass['kind'], boolean]>([
    ['retryable', false],
    ['rate_limited', false],
    ['pending', true],
    ['blocked', true],
    ['needs_merchant_action', true],
    ['guild_gone', true],
    ['token_invalid', true],
    ['user_at_guild_cap', true],
    ['bug', true],
  ])('%s → %s', (kind, permanent) => {
    expect(isPermanent(kind)).toBe(permanent);
  });

  it('covers every class name and accepts a classification object', () => {
    expect(DISCORD_ERROR_CLASSES).toHaveLength(9);
    expect(isPermanent({ kind: 'retryable', reason: 'network' })).toBe(false);
    expect(isPermanent({ kind: 'guild_gone' })).toBe(true);
  });
});

describe('classifyDiscordError', () => {
  it("takes @discordjs/rest's DiscordAPIError by its code", () => {
    expect(
      classifyDiscordError(apiError(403, { code: 50013, message: 'Missing Permissions' })),
    ).toMatchObject({
      kind: 'needs_merchant_action',
      code: 'missing_permissions',
    });
    expect(classifyDiscordError(apiError(404, { code: 10004, message: 'Unknown Guild' }))).toEqual({
      kind: 'guild_gone',
    });
  });

  it('reads retry_after and global from a 429 body', () => {
    const error = apiError(429, {
      code: 0,
      message: 'You are being rate limited.',
      retry_after: 0.35,
      global: true,
    });
    expect(classifyDiscordError(error)).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 350,
      scope: 'global',
      global: true,
    });
  });

  it('classifies HTTPError (5xx after retries) as retryable', () => {
    const error = new HTTPError(503, 'Service Unavailable', 'GET', 'https://discord.com/api/v10/x', {
      body: undefined,
      files: undefined,
    });
    expect(classifyDiscordError(error)).toEqual({ kind: 'retryable', reason: 'server_error' });
  });

  it('classifies a RateLimitError (a refused wait) with its wait and scope', () => {
    const error = new RateLimitError({
      timeToReset: 4_000,
      limit: 10,
      method: 'PUT',
      hash: 'abc',
      url: 'https://discord.com/api/v10/guilds/1/members/2/roles/3',
      route: '/guilds/:id/members/:id/roles/:id',
      majorParameter: '1',
      global: false,
      retryAfter: 4_000.4,
      sublimitTimeout: 0,
      scope: 'user',
    });
    expect(classifyDiscordError(error)).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 4_001,
      scope: 'user',
      global: false,
    });
  });

  it('classifies socket errors from another realm (as Jest sees Node core errors) as network failures', () => {
    const foreign: unknown = runInNewContext(
      'Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" })',
    );
    expect(foreign instanceof Error).toBe(false);
    expect(classifyDiscordError(foreign)).toEqual({ kind: 'retryable', reason: 'network' });
    const wrapped = new TypeError('fetch failed', { cause: foreign });
    expect(classifyDiscordError(wrapped)).toEqual({ kind: 'retryable', reason: 'network' });
  });

  it('classifies our network error, timeouts included', () => {
    expect(classifyDiscordError(new DiscordNetworkError('TIMEOUT', 4))).toEqual({
      kind: 'retryable',
      reason: 'timeout',
    });
    expect(classifyDiscordError(new DiscordNetworkError('UND_ERR_SOCKET', 4))).toEqual({
      kind: 'retryable',
      reason: 'network',
    });
  });

  it('returns the classification a DiscordRequestError already carries', () => {
    const error = new DiscordRequestError({
      method: 'GET',
      route: '/users/@me',
      auth: 'bearer',
      status: 401,
      code: 0,
      classification: { kind: 'token_invalid', reason: 'bearer_unauthorized' },
      detail: '401: Unauthorized',
    });
    expect(classifyDiscordError(error)).toEqual({ kind: 'token_invalid', reason: 'bearer_unauthorized' });
  });

  it.each<[string, DiscordErrorClass]>([
    ['invalid_grant', { kind: 'token_invalid', reason: 'invalid_grant' }],
    ['invalid_client', { kind: 'bug', reason: 'oauth_client_rejected' }],
    ['unauthorized_client', { kind: 'bug', reason: 'oauth_client_rejected' }],
    ['temporarily_unavailable', { kind: 'retryable', reason: 'server_error' }],
    ['invalid_request', { kind: 'bug', reason: 'bad_request' }],
    ['something_new', { kind: 'bug', reason: 'bad_request' }],
  ])('maps OAuth error %s', (error, expected) => {
    expect(classifyDiscordError(new OAuthError({ error, status: 400 }))).toEqual(expected);
  });

  it('calls anything else a bug', () => {
    expect(classifyDiscordError(new Error('boom'))).toEqual({ kind: 'bug', reason: 'unexpected' });
    expect(classifyDiscordError('a string')).toEqual({ kind: 'bug', reason: 'unexpected' });
    expect(classifyDiscordError(undefined)).toEqual({ kind: 'bug', reason: 'unexpected' });
  });
});
