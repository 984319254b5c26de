import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import { DiscordNetworkError, networkErrorCode } from '../rest/network-error';
import { type DiscordErrorClass, type MerchantActionCode, type RateLimitScope } from './discord-error-class';

/** How a request authenticated: the bot token, a customer's Bearer token, or not at all (OAuth token calls). */
export type RequestAuth = 'bot' | 'bearer' | 'none';

/** What went wrong with one call, reduced to the facts classification needs. */
export type DiscordFailure =
  | {
      type: 'response';
      status: number;
      /** Discord's JSON error code; null when the body had none (5xx, HTML pages, OAuth errors). */
      code: number | null;
      auth: RequestAuth;
      retryAfterMs?: number;
      scope?: RateLimitScope;
      global?: boolean;
    }
  /** The client refused to wait out a rate limit (`rejectOnRateLimit`). */
  | { type: 'rate_limited'; retryAfterMs: number; scope: RateLimitScope; global: boolean }
  | { type: 'network'; timedOut: boolean }
  | { type: 'unknown' };

/** The fix-it sentence for each merchant action. */
export const MERCHANT_FIXES: Readonly<Record<MerchantActionCode, string>> = {
  missing_permissions:
    "The bot lacks a permission or its role is not above the role it has to assign: give the bot's role " +
    '"Manage Roles" and move it above every subscription role in Server Settings > Roles, and allow ' +
    '"Send Messages" and "Embed Links" in the notification channels. The server diagnostics name the exact problem.',
  unknown_role:
    "The offer's role no longer exists in the server: choose an existing role for the offer in the dashboard.",
  missing_access:
    'The bot cannot see this server or channel: re-invite the bot, or allow "View Channel" for its role in the ' +
    "channel's permissions (Edit Channel > Permissions).",
  unknown_channel: 'The notification channel no longer exists: pick another channel in the guild settings.',
  channel_not_text:
    'The notification channel cannot hold messages: pick a text channel in the guild settings.',
};

// The Discord codes this project reacts to specifically; any other code is judged by its status.
const HANDLED_CODES = [
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownGuild,
  RESTJSONErrorCodes.UnknownMember,
  RESTJSONErrorCodes.UnknownRole,
  RESTJSONErrorCodes.UnknownUser,
  RESTJSONErrorCodes.MaximumNumberOfGuildsReached,
  RESTJSONErrorCodes.UserBannedFromThisGuild,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.CannotSendAnEmptyMessage,
  RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.InvalidOAuth2AccessToken,
  RESTJSONErrorCodes.InvalidFormBodyOrContentType,
  RESTJSONErrorCodes.RequestBodyContainsInvalidJSON,
] as const;

type HandledCode = (typeof HANDLED_CODES)[number];

function isHandledCode(code: number): code is HandledCode {
  return (HANDLED_CODES as readonly number[]).includes(code);
}

function merchantAction(code: MerchantActionCode): DiscordErrorClass {
  return { kind: 'needs_merchant_action', code, fix: MERCHANT_FIXES[code] };
}

function classifyCode(code: HandledCode): DiscordErrorClass {
  switch (code) {
    case RESTJSONErrorCodes.UnknownChannel:
      return merchantAction('unknown_channel');
    case RESTJSONErrorCodes.UnknownGuild:
      return { kind: 'guild_gone' };
    case RESTJSONErrorCodes.UnknownMember:
      return { kind: 'pending', reason: 'unknown_member' };
    case RESTJSONErrorCodes.UnknownRole:
      return merchantAction('unknown_role');
    case RESTJSONErrorCodes.UnknownUser:
      return { kind: 'blocked', reason: 'unknown_user' };
    case RESTJSONErrorCodes.MaximumNumberOfGuildsReached:
      return { kind: 'user_at_guild_cap' };
    case RESTJSONErrorCodes.UserBannedFromThisGuild:
      return { kind: 'blocked', reason: 'banned' };
    case RESTJSONErrorCodes.MissingAccess:
      return merchantAction('missing_access');
    case RESTJSONErrorCodes.CannotSendAnEmptyMessage:
      return { kind: 'bug', reason: 'empty_message' };
    case RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel:
      return merchantAction('channel_not_text');
    case RESTJSONErrorCodes.MissingPermissions:
      return merchantAction('missing_permissions');
    case RESTJSONErrorCodes.InvalidOAuth2AccessToken:
      return { kind: 'token_invalid', reason: 'invalid_oauth_token' };
    case RESTJSONErrorCodes.InvalidFormBodyOrContentType:
      return { kind: 'bug', reason: 'invalid_form_body' };
    case RESTJSONErrorCodes.RequestBodyContainsInvalidJSON:
      return { kind: 'bug', reason: 'invalid_json' };
  }
}

/** The class of a failure: Discord's code decides first, then the HTTP status. Pure. */
export function classifyFailure(failure: DiscordFailure): DiscordErrorClass {
  switch (failure.type) {
    case 'network':
      return { kind: 'retryable', reason: failure.timedOut ? 'timeout' : 'network' };
    case 'rate_limited':
      return {
        kind: 'rate_limited',
        retryAfterMs: failure.retryAfterMs,
        scope: failure.scope,
        global: failure.global,
      };
    case 'unknown':
      return { kind: 'bug', reason: 'unexpected' };
    case 'response':
      break;
  }
  if (failure.code !== null && isHandledCode(failure.code)) return classifyCode(failure.code);
  const { status } = failure;
  if (status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: failure.retryAfterMs ?? 1_000,
      scope: failure.scope ?? 'user',
      global: failure.global ?? false,
    };
  }
  if (status >= 500) return { kind: 'retryable', reason: 'server_error' };
  if (status === 401) {
    // A 401 on a Bearer call is the customer's token; on a bot call it is our own token (a deployment
    // problem nobody but an operator can fix); on an OAuth token call it is our client secret.
    switch (failure.auth) {
      case 'bearer':
        return { kind: 'token_invalid', reason: 'bearer_unauthorized' };
      case 'bot':
        return { kind: 'bug', reason: 'bot_token_rejected' };
      case 'none':
        return { kind: 'bug', reason: 'oauth_client_rejected' };
    }
  }
  if (status === 400) return { kind: 'bug', reason: 'bad_request' };
  return { kind: 'bug', reason: 'unexpected' };
}

function rateLimitScope(value: unknown): RateLimitScope {
  return value === 'global' || value === 'shared' ? value : 'user';
}

/**
 * Reduces anything a Discord call can throw to a {@link DiscordFailure}: @discordjs/rest's
 * DiscordAPIError, HTTPError and RateLimitError, this package's network error, raw socket errors.
 * `auth` says how the call authenticated (errors do not record it).
 */
export function failureOf(error: unknown, auth: RequestAuth): DiscordFailure {
  if (error instanceof DiscordAPIError) {
    const raw = error.rawError as { code?: unknown; retry_after?: unknown; global?: unknown };
    const failure: DiscordFailure = {
      type: 'response',
      status: error.status,
      code: typeof error.code === 'number' ? error.code : null,
      auth,
    };
    if (typeof raw.retry_after === 'number') failure.retryAfterMs = Math.ceil(raw.retry_after * 1000);
    if (raw.global === true) {
      failure.global = true;
      failure.scope = 'global';
    }
    return failure;
  }
  if (error instanceof HTTPError) return { type: 'response', status: error.status, code: null, auth };
  if (error instanceof RateLimitError) {
    return {
      type: 'rate_limited',
      retryAfterMs: Math.max(0, Math.ceil(error.retryAfter)),
      scope: rateLimitScope(error.scope),
      global: error.global,
    };
  }
  if (error instanceof DiscordNetworkError) return { type: 'network', timedOut: error.timedOut };
  if (networkErrorCode(error) !== undefined) return { type: 'network', timedOut: false };
  return { type: 'unknown' };
}
