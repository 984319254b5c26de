import { PermissionFlagsBits } from 'discord-api-types/v10';
import { assertSnowflake } from '../rest/snowflake';

/**
 * What the bot asks for when invited, each bit for a reason. The sum is 268454913, the value in the
 * invite link. Nothing more: a merchant should not have to trust the bot with Administrator.
 */
export const BOT_INSTALL_PERMISSION_BREAKDOWN = {
  /** Grant and remove the subscription roles. */
  ManageRoles: PermissionFlagsBits.ManageRoles,
  /** Post notification embeds. */
  EmbedLinks: PermissionFlagsBits.EmbedLinks,
  /** Post notifications. */
  SendMessages: PermissionFlagsBits.SendMessages,
  /** See the notification channels. */
  ViewChannel: PermissionFlagsBits.ViewChannel,
  /** Add customers to the server with their OAuth token (`PUT /guilds/{id}/members/{id}`). */
  CreateInstantInvite: PermissionFlagsBits.CreateInstantInvite,
} as const;

/** 268454913: the permissions of the bot install link. */
export const BOT_INSTALL_PERMISSIONS: bigint = Object.values(BOT_INSTALL_PERMISSION_BREAKDOWN).reduce(
  (all, bit) => all | bit,
  0n,
);

/** Input of {@link authorizeUrl}. */
export interface AuthorizeUrlOptions {
  /** Where browsers authorize (DESIGN's `DISCORD_OAUTH_AUTHORIZE_URL`), e.g. `https://discord.com/oauth2/authorize`. */
  authorizeUrl: string;
  clientId: string;
  /** Must match a redirect URI registered for the application exactly. */
  redirectUri: string;
  /** E.g. `['identify', 'guilds.join']`. */
  scopes: readonly string[];
  /** Opaque, unguessable, bound to the browser session: the CSRF defence of the flow. */
  state: string;
  /** The S256 PKCE challenge; `code_challenge_method=S256` is sent with it. */
  codeChallenge?: string;
  /** `consent` shows the consent screen again even when the user authorized before. */
  prompt?: 'consent' | 'none';
}

/** Input of {@link botInstallUrl}. */
export interface BotInstallUrlOptions {
  authorizeUrl: string;
  clientId: string;
  /** The bot-callback URI; Discord sends `code`, `state`, `guild_id` and `permissions` there. */
  redirectUri: string;
  state: string;
  /** Preselects this guild in Discord's guild picker. */
  guildId?: string;
  /** With `guildId`: the merchant cannot pick another guild. */
  disableGuildSelect?: boolean;
  /** Default {@link BOT_INSTALL_PERMISSIONS}. */
  permissions?: bigint;
}

const SCOPE = /^[a-z0-9._]+$/i;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

// Spaces as %20 (not "+"), as Discord documents the scope list.
function withQuery(base: string, params: ReadonlyArray<readonly [string, string]>): string {
  const url = new URL(base);
  const query = params
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  const existing = url.search.slice(1);
  url.search = existing ? `${existing}&${query}` : query;
  return url.toString();
}

function checkCommon(options: {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
}): void {
  new URL(options.authorizeUrl);
  new URL(options.redirectUri);
  assertSnowflake('clientId', options.clientId);
  if (options.state.length === 0) throw new RangeError('state must not be empty');
}

/** The customer's authorize URL (authorization code grant, optionally with PKCE). */
export function authorizeUrl(options: AuthorizeUrlOptions): string {
  checkCommon(options);
  if (options.scopes.length === 0 || !options.scopes.every((scope) => SCOPE.test(scope)))
    throw new RangeError(`scopes must be non-empty scope names, got ${JSON.stringify(options.scopes)}`);
  const params: Array<readonly [string, string]> = [
    ['response_type', 'code'],
    ['client_id', options.clientId],
    ['scope', options.scopes.join(' ')],
    ['state', options.state],
    ['redirect_uri', options.redirectUri],
  ];
  if (options.prompt !== undefined) params.push(['prompt', options.prompt]);
  if (options.codeChallenge !== undefined) {
    if (!PKCE_CHALLENGE.test(options.codeChallenge))
      throw new RangeError('codeChallenge must be an S256 challenge (43 base64url characters)');
    params.push(['code_challenge', options.codeChallenge], ['code_challenge_method', 'S256']);
  }
  return withQuery(options.authorizeUrl, params);
}

/**
 * The bot install URL: scopes `bot applications.commands`, the permissions, and `response_type=code`
 * with a redirect so that the install comes back to the product with `state` (binding it to the
 * merchant) and `guild_id`.
 */
export function botInstallUrl(options: BotInstallUrlOptions): string {
  checkCommon(options);
  const permissions = options.permissions ?? BOT_INSTALL_PERMISSIONS;
  if (permissions < 0n) throw new RangeError('permissions must not be negative');
  const params: Array<readonly [string, string]> = [
    ['client_id', options.clientId],
    ['scope', 'bot applications.commands'],
    ['permissions', permissions.toString()],
    ['response_type', 'code'],
    ['redirect_uri', options.redirectUri],
    ['state', options.state],
  ];
  if (options.disableGuildSelect === true && options.guildId === undefined)
    throw new RangeError('disableGuildSelect needs guildId');
  if (options.guildId !== undefined) {
    assertSnowflake('guildId', options.guildId);
    params.push(['guild_id', options.guildId]);
    if (options.disableGuildSelect === true) params.push(['disable_guild_select', 'true']);
  }
  return withQuery(options.authorizeUrl, params);
}
