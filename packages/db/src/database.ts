import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource, pingDatabase, type DataSourceOptions } from './data-source';
import { migrateDown, migrateUp, migrationStatus, type MigrationStatus } from './migrator';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditLogRepository } from './repositories/audit-log.repository';
import { CustomerRepository } from './repositories/customer.repository';
import { DashboardSessionRepository } from './repositories/dashboard-session.repository';
import { DiscordGuildRepository } from './repositories/discord-guild.repository';
import { DiscordLinkRepository } from './repositories/discord-link.repository';
import { DiscordMemberRepository } from './repositories/discord-member.repository';
import { EventIngestionRepository } from './repositories/event-ingestion.repository';
import { InboundEventRepository } from './repositories/inbound-event.repository';
import { MerchantAlertRepository } from './repositories/merchant-alert.repository';
import { MerchantRepository } from './repositories/merchant.repository';
import { NotificationDeliveryRepository } from './repositories/notification-delivery.repository';
import { OAuthStateRepository } from './repositories/oauth-state.repository';
import { OfferRepository } from './repositories/offer.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { PortalSessionRepository } from './repositories/portal-session.repository';
import { RoleGrantRepository } from './repositories/role-grant.repository';
import { SubscriptionRepository } from './repositories/subscription.repository';
import { SweepCursorRepository } from './repositories/sweep-cursor.repository';

/** Every repository, bound to one EntityManager: the root one, or a transaction's. */
export interface Repositories {
  merchants: MerchantRepository;
  apiKeys: ApiKeyRepository;
  auditLog: AuditLogRepository;
  customers: CustomerRepository;
  dashboardSessions: DashboardSessionRepository;
  discordGuilds: DiscordGuildRepository;
  discordLinks: DiscordLinkRepository;
  discordMembers: DiscordMemberRepository;
  eventIngestion: EventIngestionRepository;
  inboundEvents: InboundEventRepository;
  merchantAlerts: MerchantAlertRepository;
  notificationDeliveries: NotificationDeliveryRepository;
  oauthStates: OAuthStateRepository;
  offers: OfferRepository;
  outbox: OutboxRepository;
  portalSessions: PortalSessionRepository;
  roleGrants: RoleGrantRepository;
  subscriptions: SubscriptionRepository;
  sweepCursors: SweepCursorRepository;
}

function repositoriesFor(manager: EntityManager): Repositories {
  return {
    merchants: new MerchantRepository(manager),
    apiKeys: new ApiKeyRepository(manager),
    auditLog: new AuditLogRepository(manager),
    customers: new CustomerRepository(manager),
    dashboardSessions: new DashboardSessionRepository(manager),
    discordGuilds: new DiscordGuildRepository(manager),
    discordLinks: new DiscordLinkRepository(manager),
    discordMembers: new DiscordMemberRepository(manager),
    eventIngestion: new EventIngestionRepository(manager),
    inboundEvents: new InboundEventRepository(manager),
    merchantAlerts: new MerchantAlertRepository(manager),
    notificationDeliveries: new NotificationDeliveryRepository(manager),
    oauthStates: new OAuthStateRepository(manager),
    offers: new OfferRepository(manager),
    outbox: new OutboxRepository(manager),
    portalSessions: new PortalSessionRepository(manager),
    roleGrants: new RoleGrantRepository(manager),
    subscriptions: new SubscriptionRepository(manager),
    sweepCursors: new SweepCursorRepository(manager),
  };
}

/**
 * The one handle services hold on Postgres. Services see repositories only; TypeORM stays in this package.
 */
export class Database {
  readonly repositories: Repositories;
  private closing: Promise<void> | null = null;

  private constructor(private readonly dataSource: DataSource) {
    this.repositories = repositoriesFor(dataSource.manager);
  }

  /** Connects (failing fast when Postgres is unreachable) and returns the handle. */
  static async connect(options: DataSourceOptions): Promise<Database> {
    const dataSource = createDataSource(options);
    await dataSource.initialize();
    return new Database(dataSource);
  }

  /** Runs `work` in one transaction: everything it writes through the given repositories commits together. */
  async transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(repositoriesFor(manager)));
  }

  async ping(): Promise<void> {
    await pingDatabase(this.dataSource);
  }

  /** Closes the pool; safe to call twice. */
  async close(): Promise<void> {
    this.closing ??= this.dataSource.isInitialized ? this.dataSource.destroy() : Promise.resolve();
    await this.closing;
  }

  /** Applies every pending migration, each in its own transaction; returns their names. */
  async migrateUp(): Promise<string[]> {
    return migrateUp(this.dataSource);
  }

  /** Reverts the most recent migration; returns its name, or null when none was applied. */
  async migrateDown(): Promise<string | null> {
    return migrateDown(this.dataSource);
  }

  async migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.dataSource);
  }
}
