export { Database, type Repositories } from './database';
export type { DataSourceOptions } from './data-source';
export type { MigrationStatus } from './migrator';
export { ensureDatabaseExists } from './ensure-database';
export * from './entities';
export { type ApiKeyOwner } from './repositories/api-key.repository';
export { type NewApiKey } from './repositories/merchant.repository';
export { type NewOutboxRow, type PendingOutboxRow } from './repositories/outbox.repository';
export type { BindGuildResult, GuildConfig } from './repositories/discord-guild.repository';
export type { DiscordLinkSummary } from './repositories/discord-link.repository';
export type { NewInboundEvent, RecordEventResult } from './repositories/inbound-event.repository';
export type { NewOAuthState } from './repositories/oauth-state.repository';
export type { NewOffer, OfferPatch } from './repositories/offer.repository';
export type {
  AccessEndedCause,
  AccessEndedMember,
  AccessEndedPage,
  AccessEndedPosition,
  SubscriptionWrite,
} from './repositories/subscription.repository';
export { isDatabaseUnavailableError } from './database-unavailable';
export { TokenCipher } from './token-cipher';
export type { NewAuditLogEntry } from './repositories/audit-log.repository';
export type { LinkWithTokens } from './repositories/discord-link.repository';
export type { MerchantAlert } from './repositories/merchant-alert.repository';
export type { RoleGrantWrite } from './repositories/role-grant.repository';
export type { CustomerSubscription, MemberSubscription } from './repositories/subscription.repository';
export type { DeliveryStatus, NotificationDelivery } from './repositories/notification-delivery.repository';
export type { ActivePortalSession } from './repositories/portal-session.repository';
export type { DashboardSession } from './repositories/dashboard-session.repository';
export {
  apiKeyOwnerKey,
  ingestionKey,
  STALE_BATCH_SQLSTATE,
  type EventToRecord,
  type IngestionApiKey,
  type IngestionCustomer,
  type IngestionOffer,
  type IngestionSnapshot,
  type IngestionSubscription,
  type IngestionWrite,
  type MerchantKey,
} from './repositories/event-ingestion.repository';
