import { OAuthError, type OAuthErrorCode } from '../oauth/oauth-error';
import { DiscordRequestError } from '../rest/discord-request-error';
import { type DiscordErrorClass } from './discord-error-class';
import { classifyFailure, failureOf } from './discord-failure';

function classifyOAuthError(code: OAuthErrorCode): DiscordErrorClass {
  switch (code) {
    case 'invalid_grant':
      return { kind: 'token_invalid', reason: 'invalid_grant' };
    case 'invalid_client':
    case 'unauthorized_client':
      return { kind: 'bug', reason: 'oauth_client_rejected' };
    case 'server_error':
    case 'temporarily_unavailable':
      return { kind: 'retryable', reason: 'server_error' };
    case 'invalid_request':
    case 'unsupported_grant_type':
    case 'invalid_scope':
    case 'access_denied':
    case 'unsupported_response_type':
    case 'unsupported_token_type':
    case 'unknown':
      return { kind: 'bug', reason: 'bad_request' };
  }
}

/**
 * The class of anything a Discord call threw: this package's DiscordRequestError (already classified)
 * and OAuthError, @discordjs/rest's errors, socket errors. Anything else is a `bug`. Errors from
 * @discordjs/rest used directly are taken as bot calls (their 401 is the bot token's).
 */
export function classifyDiscordError(error: unknown): DiscordErrorClass {
  if (error instanceof DiscordRequestError) return error.classification;
  if (error instanceof OAuthError) return classifyOAuthError(error.error);
  return classifyFailure(failureOf(error, 'bot'));
}
