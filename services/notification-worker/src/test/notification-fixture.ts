import { createHash, randomBytes } from 'node:crypto';
import type { MerchantEventType } from '@inflow/contracts';
import type { GuildConfig } from '@inflow/db';
import { DiscordBotClient } from '@inflow/discord';
import {
  startEmulator,
  type ApiMessage,
  type DemoSeed,
  type DiscordEmulator,
} from '@inflow/discord-emulator';
import { createTestDatabase, type TestDatabase } from '@inflow/testing';
import { AlertNotificationService } from '../alert-notification.service';
import { ChannelDeliveryService, type DeliveryRepositories } from '../channel-delivery.service';
import { NotificationService } from '../notification.service';

export interface EventOptions {
  email?: string | null;
  cancelAtPeriodEnd?: boolean;
  status?: string;
  currentPeriodEnd?: string | null;
  payment?: { amountInCents: number; currency: string; failureReason?: string | null };
}

const MESSAGE_ROUTE = '/channels/{channel_id}/messages';

/**
 * A merchant with the demo guild connected in the emulator, a database of its own, and the
 * notification services over a real bot client, for driving notifications directly and reading what
 * Discord received.
 */
export class NotificationFixture {
  merchantId = '';
  seed!: DemoSeed;
  bot!: DiscordBotClient;
  delivery!: ChannelDeliveryService;
  events!: NotificationService;
  alerts!: AlertNotificationService;
  private counter = 0;

  private constructor(
    readonly t: TestDatabase,
    readonly emulator: DiscordEmulator,
  ) {}

  static async start(): Promise<NotificationFixture> {
    const t = await createTestDatabase();
    // A roomy message bucket: these tests are about what is posted, not Discord's pacing.
    const emulator = await startEmulator({
      routeBuckets: { 'create-message': { limit: 1000, windowMs: 1000 } },
    });
    const fixture = new NotificationFixture(t, emulator);
    fixture.seed = emulator.state.seedDemo();
    const repos = t.db.repositories;
    fixture.merchantId = (
      await repos.merchants.createWithApiKey('Acme', { keyHash: randomBytes(32), keyPrefix: 'test' })
    ).merchant.id;
    await repos.discordGuilds.bindInstall(
      fixture.merchantId,
      fixture.seed.guildId,
      'Inflow Demo Community',
      new Date(),
    );
    fixture.bot = new DiscordBotClient({
      token: emulator.botToken,
      apiBaseUrl: emulator.apiBaseUrl,
      limiter: { acquire: () => Promise.resolve(0) },
      retries: 0,
      maxRateLimitWaitMs: 5_000,
    });
    fixture.delivery = fixture.deliveryOver(repos);
    fixture.events = fixture.eventsOver(fixture.delivery);
    fixture.alerts = new AlertNotificationService({ repositories: repos, delivery: fixture.delivery });
    return fixture;
  }

  get guildId(): string {
    return this.seed.guildId;
  }

  /** A delivery service over other repositories (to simulate a crash at a chosen write). */
  deliveryOver(repositories: DeliveryRepositories): ChannelDeliveryService {
    return new ChannelDeliveryService({ repositories, bot: this.bot, now: () => new Date() });
  }

  eventsOver(delivery: ChannelDeliveryService, locale = 'en-US'): NotificationService {
    return new NotificationService({ repositories: this.t.db.repositories, delivery, locale });
  }

  /** Sets the guild's channels (#payments and #general) and turns every notification on, with overrides. */
  async configure(overrides: Partial<GuildConfig> = {}): Promise<void> {
    await this.t.db.repositories.discordGuilds.updateConfig(this.merchantId, this.guildId, {
      paymentChannelId: this.seed.paymentsChannelId,
      generalChannelId: this.seed.generalChannelId,
      inviteUrl: null,
      notifyPaymentSucceeded: true,
      notifyPaymentFailed: true,
      notifySubscriptionCreated: true,
      notifySubscriptionCanceled: true,
      ...overrides,
    });
  }

  async offer(name = 'VIP Monthly', amountInCents = 999, currency = 'EUR'): Promise<string> {
    const offer = await this.t.db.repositories.offers.create(this.merchantId, {
      name,
      description: null,
      amountInCents,
      currency,
      billingInterval: 'month',
      intervalCount: 1,
      discordGuildId: this.guildId,
      discordRoleId: this.seed.vipRoleId,
      gracePeriodDays: 0,
    });
    return offer.id;
  }

  /** A customer, linked to a Discord user when one is given. */
  async customer(externalId: string, email: string | null, discordUserId?: string): Promise<string> {
    const customerId = await this.t.db.repositories.customers.upsert(this.merchantId, externalId, email);
    if (discordUserId !== undefined) {
      await this.t.sql(
        `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
        [this.merchantId, customerId, discordUserId],
      );
    }
    return customerId;
  }

  /** Records a merchant event as the api does on POST /events; returns the inbound event id. */
  async event(
    type: MerchantEventType,
    offerId: string,
    customerExternalId: string,
    options: EventOptions = {},
  ): Promise<string> {
    this.counter += 1;
    const occurredAt = new Date();
    const body = {
      id: `evt_${this.counter}`,
      type,
      occurredAt: occurredAt.toISOString(),
      subscription: {
        id: `sub_${customerExternalId}`,
        offerId,
        status: options.status ?? 'ACTIVE',
        currentPeriodEnd:
          options.currentPeriodEnd === undefined
            ? new Date(occurredAt.getTime() + 30 * 86_400_000).toISOString()
            : options.currentPeriodEnd,
        cancelAtPeriodEnd: options.cancelAtPeriodEnd ?? false,
        customer: { id: customerExternalId, email: options.email ?? null },
      },
      ...(type.startsWith('payment.')
        ? {
            payment: {
              id: `pay_${this.counter}`,
              ...(options.payment ?? { amountInCents: 999, currency: 'EUR' }),
            },
          }
        : {}),
    };
    const recorded = await this.t.db.repositories.inboundEvents.recordIfNew({
      merchantId: this.merchantId,
      externalId: body.id,
      type,
      occurredAt,
      bodyHash: createHash('sha256').update(JSON.stringify(body)).digest(),
      body,
    });
    return recorded.id;
  }

  send(inboundEventId: string, events: NotificationService = this.events) {
    return events.send({ inboundEventId, guildId: this.guildId }, { lastAttempt: false });
  }

  postAlert(alertId: string) {
    return this.alerts.post({ alertId }, { lastAttempt: false });
  }

  messages(channelId: string): ApiMessage[] {
    return this.emulator.state.messages(channelId);
  }

  /** Message posts the emulator received for a channel so far. */
  postsTo(channelId: string) {
    return this.emulator.stats
      .requests({ route: MESSAGE_ROUTE, method: 'POST' })
      .filter((entry) => entry.path === `/channels/${channelId}/messages`);
  }

  async deliveryOf(inboundEventId: string) {
    return this.t.db.repositories.notificationDeliveries.find(`event:${inboundEventId}`, this.guildId);
  }

  async stop(): Promise<void> {
    await this.emulator.stop();
    await this.t.drop();
  }
}
