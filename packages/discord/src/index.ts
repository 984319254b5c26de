export {
  DiscordBotClient,
  type DiscordBotClientOptions,
  type AddGuildMemberResult,
  type CreateMessageInput,
} from './rest/discord-bot.client';
export {
  DiscordUserClient,
  type DiscordUserClientOptions,
  type CurrentAuthorization,
} from './rest/discord-user.client';
export { type DiscordRestOptions } from './rest/discord-rest-options';
export {
  type GlobalRateLimiter,
  type DiscordRequestHooks,
  type RateLimitedEvent,
} from './rest/discord-transport';
export { DiscordRequestError } from './rest/discord-request-error';
export { DiscordNetworkError } from './rest/network-error';
export { auditLogReason, AUDIT_LOG_REASON_MAX_LENGTH } from './rest/audit-log-reason';
export { routeTemplate } from './rest/route-template';
export { isSnowflake } from './rest/snowflake';

export {
  DiscordOAuthClient,
  type DiscordOAuthClientOptions,
  type OAuthTokens,
  type TokenTypeHint,
} from './oauth/discord-oauth.client';
export { OAuthError, OAUTH_ERROR_CODES, type OAuthErrorCode } from './oauth/oauth-error';
export { generatePkcePair, pkceChallenge, type PkcePair } from './oauth/pkce';
export {
  authorizeUrl,
  botInstallUrl,
  BOT_INSTALL_PERMISSIONS,
  BOT_INSTALL_PERMISSION_BREAKDOWN,
  type AuthorizeUrlOptions,
  type BotInstallUrlOptions,
} from './oauth/authorize-urls';

export {
  DISCORD_ERROR_CLASSES,
  isPermanent,
  type DiscordErrorClass,
  type DiscordErrorClassName,
  type MerchantActionCode,
  type RateLimitScope,
} from './errors/discord-error-class';
export { classifyDiscordError } from './errors/classify-discord-error';
export { MERCHANT_FIXES, type RequestAuth } from './errors/discord-failure';

export {
  ALL_PERMISSIONS,
  computeBasePermissions,
  computeChannelPermissions,
  hasPermission,
  type MemberPermissionInput,
  type PermissionOverwrite,
  type PermissionRole,
  type PermissionValue,
} from './permissions/permissions';
export { compareRoles, highestRole, type RankedRole } from './permissions/role-hierarchy';
export {
  diagnoseGuild,
  type DiagnoseGuildInput,
  type DiagnosticChannel,
  type DiagnosticRole,
  type GuildDiagnosis,
  type GuildProblem,
  type GuildProblemCode,
} from './permissions/diagnose-guild';

export {
  paymentSucceededEmbed,
  paymentFailedEmbed,
  subscriptionCreatedEmbed,
  subscriptionCanceledEmbed,
  EMBED_COLORS,
  type NotificationCustomer,
  type NotificationMessage,
  type PaymentSucceededInput,
  type PaymentFailedInput,
  type SubscriptionCreatedInput,
  type SubscriptionCanceledInput,
} from './embeds/notification-embeds';
export {
  operationalAlertEmbed,
  type OperationalAlertDetails,
  type OperationalAlertKind,
} from './embeds/operational-alert-embed';
export { EMBED_LIMITS, embedLength, fitEmbed } from './embeds/embed-limits';
export { formatAmount } from './embeds/format-amount';
export { maskEmail, redactEmails } from './embeds/mask-email';
export { createDiscordMetrics, InvalidRequestWindow } from './metrics/discord-metrics';
