/** Every class a Discord failure falls into; workers map each to one reaction (STYLE.md §4). */
export const DISCORD_ERROR_CLASSES = [
  'retryable',
  'rate_limited',
  'pending',
  'blocked',
  'needs_merchant_action',
  'guild_gone',
  'token_invalid',
  'user_at_guild_cap',
  'bug',
] as const;

export type DiscordErrorClassName = (typeof DISCORD_ERROR_CLASSES)[number];

/** Discord's `X-RateLimit-Scope`: per token (`user`), per token for all routes (`global`), per resource (`shared`). */
export type RateLimitScope = 'user' | 'global' | 'shared';

/** What the merchant has to fix; each comes with a sentence saying how. */
export type MerchantActionCode =
  'missing_permissions' | 'unknown_role' | 'missing_access' | 'unknown_channel' | 'channel_not_text';

/** The classification of one failed Discord call, with what the reaction needs to know. */
export type DiscordErrorClass =
  /** Try again later: a 5xx, a dropped connection or a timeout. */
  | { kind: 'retryable'; reason: 'server_error' | 'network' | 'timeout' }
  /** Discord asked to wait (or the client refused to wait that long): retry after `retryAfterMs`. */
  | { kind: 'rate_limited'; retryAfterMs: number; scope: RateLimitScope; global: boolean }
  /** 10007: the user is not in the guild (yet); the join event will bring the work back. */
  | { kind: 'pending'; reason: 'unknown_member' }
  /** The user can never be added: banned (40007) or the account no longer exists (10013). */
  | { kind: 'blocked'; reason: 'banned' | 'unknown_user' }
  /** The merchant's server setup prevents the call; `fix` tells them what to change. */
  | { kind: 'needs_merchant_action'; code: MerchantActionCode; fix: string }
  /** 10004: the bot is no longer in the guild (or the guild is gone): mark it uninstalled. */
  | { kind: 'guild_gone' }
  /** The customer's OAuth token is dead (50025, 401 on a Bearer call, `invalid_grant`): refresh or relink. */
  | { kind: 'token_invalid'; reason: 'invalid_oauth_token' | 'bearer_unauthorized' | 'invalid_grant' }
  /** 30001: the customer is in as many guilds as Discord allows; only they can fix it. */
  | { kind: 'user_at_guild_cap' }
  /** Our request or our configuration is wrong: fail loudly, do not retry. */
  | {
      kind: 'bug';
      reason:
        | 'invalid_form_body'
        | 'invalid_json'
        | 'empty_message'
        | 'bot_token_rejected'
        | 'oauth_client_rejected'
        | 'bad_request'
        | 'unexpected';
    };

/**
 * Whether repeating the same call cannot succeed on its own. Only `retryable` and `rate_limited` are
 * worth retrying; everything else needs an event (a join, a relink) or a person to change something.
 */
export function isPermanent(classification: DiscordErrorClass | DiscordErrorClassName): boolean {
  const kind = typeof classification === 'string' ? classification : classification.kind;
  switch (kind) {
    case 'retryable':
    case 'rate_limited':
      return false;
    case 'pending':
    case 'blocked':
    case 'needs_merchant_action':
    case 'guild_gone':
    case 'token_invalid':
    case 'user_at_guild_cap':
    case 'bug':
      return true;
  }
}
