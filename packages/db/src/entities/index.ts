import { ApiKeyEntity } from './api-key.entity';
import { AuditLogEntity } from './audit-log.entity';
import { CustomerEntity } from './customer.entity';
import { DiscordGuildEntity } from './discord-guild.entity';
import { DiscordLinkEntity } from './discord-link.entity';
import { DiscordMemberEntity } from './discord-member.entity';
import { InboundEventEntity } from './inbound-event.entity';
import { MerchantEntity } from './merchant.entity';
import { OAuthStateEntity } from './oauth-state.entity';
import { OfferEntity } from './offer.entity';
import { OutboxEntity } from './outbox.entity';
import { PortalSessionEntity } from './portal-session.entity';
import { RoleGrantEntity } from './role-grant.entity';
import { SubscriptionEntity } from './subscription.entity';

export const ENTITIES = [
  ApiKeyEntity,
  AuditLogEntity,
  CustomerEntity,
  DiscordGuildEntity,
  DiscordLinkEntity,
  DiscordMemberEntity,
  InboundEventEntity,
  MerchantEntity,
  OAuthStateEntity,
  OfferEntity,
  OutboxEntity,
  PortalSessionEntity,
  RoleGrantEntity,
  SubscriptionEntity,
];

export type { ApiKey } from './api-key.entity';
export type { AuditLogEntry } from './audit-log.entity';
export type { Customer } from './customer.entity';
export type {
  DiscordGuild,
  GuildHealthProblem,
  GuildHealthStatus,
  GuildInstallStatus,
} from './discord-guild.entity';
export type { DiscordLink, DiscordTokenStatus } from './discord-link.entity';
export type { DiscordMember, MemberPresence } from './discord-member.entity';
export type { InboundEvent } from './inbound-event.entity';
export type { DuplicateDiscordLinkPolicy, Merchant } from './merchant.entity';
export type { OAuthState, OAuthStatePurpose } from './oauth-state.entity';
export type { Offer } from './offer.entity';
export type { OutboxEntry } from './outbox.entity';
export type { PortalSession } from './portal-session.entity';
export type { RoleGrant, RoleSyncState } from './role-grant.entity';
export type { Subscription } from './subscription.entity';
