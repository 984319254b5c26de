import type { CreateMessageInput } from '@inflow/discord';
import type {
  DeliveryStatus,
  DiscordGuild,
  MerchantAlert,
  NewAuditLogEntry,
  NotificationDelivery,
} from '@inflow/db';
import type { DeliveryRepositories, MessageSender } from '../channel-delivery.service';

export const MERCHANT_ID = '0f8e7d6c-5b4a-4321-8abc-0123456789ab';
export const GUILD_ID = '1187654321098765432';
export const PAYMENT_CHANNEL = '1187654321098765501';
export const GENERAL_CHANNEL = '1187654321098765502';
export const USER_ID = '1330000000000000123';

/** A guild with both channels set and every notification on. */
export function guild(overrides: Partial<DiscordGuild> = {}): DiscordGuild {
  return {
    guildId: GUILD_ID,
    merchantId: MERCHANT_ID,
    name: 'Acme Community',
    installStatus: 'installed',
    installedAt: new Date('2026-11-01T00:00:00Z'),
    removedAt: null,
    paymentChannelId: PAYMENT_CHANNEL,
    generalChannelId: GENERAL_CHANNEL,
    inviteUrl: null,
    notifyPaymentSucceeded: true,
    notifyPaymentFailed: true,
    notifySubscriptionCreated: true,
    notifySubscriptionCanceled: true,
    healthStatus: 'healthy',
    healthDetail: [],
    healthCheckedAt: null,
    brokenChannels: {},
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    ...overrides,
  };
}

/** The delivery, guild, alert and audit repositories in memory, recording what was written. */
export class FakeDeliveryRepositories implements DeliveryRepositories {
  readonly deliveries = new Map<string, NotificationDelivery>();
  readonly broken: Array<{ guildId: string; channelId: string; reason: string }> = [];
  readonly removed: string[] = [];
  readonly alerts: Array<Pick<MerchantAlert, 'kind' | 'subject' | 'message'>> = [];
  readonly resolved: Array<{ kind: string; subject: string | undefined }> = [];
  readonly audit: NewAuditLogEntry[] = [];
  private nextId = 1;

  notificationDeliveries = {
    begin: (input: {
      merchantId: string;
      guildId: string;
      deliveryKey: string;
      kind: string;
      channelId: string | null;
      nonce: string;
    }): Promise<NotificationDelivery> => {
      const key = `${input.deliveryKey}|${input.guildId}`;
      const existing = this.deliveries.get(key);
      if (existing) {
        existing.attempts += 1;
        return Promise.resolve({ ...existing });
      }
      const created: NotificationDelivery = {
        ...input,
        id: String(this.nextId++),
        status: 'sending',
        messageId: null,
        attempts: 1,
        lastError: null,
      };
      this.deliveries.set(key, created);
      return Promise.resolve({ ...created });
    },
    finish: (
      id: string,
      status: Exclude<DeliveryStatus, 'sending'>,
      details: { messageId?: string | null; error?: string | null } = {},
    ): Promise<void> => {
      const row = [...this.deliveries.values()].find((delivery) => delivery.id === id);
      if (!row) throw new Error(`no delivery ${id}`);
      row.status = status;
      row.messageId = details.messageId ?? row.messageId;
      row.lastError = details.error ?? null;
      return Promise.resolve();
    },
  };

  discordGuilds = {
    markChannelBroken: (guildId: string, channelId: string, reason: string): Promise<void> => {
      this.broken.push({ guildId, channelId, reason });
      return Promise.resolve();
    },
    markRemoved: (guildId: string): Promise<void> => {
      this.removed.push(guildId);
      return Promise.resolve();
    },
  };

  merchantAlerts = {
    raise: (_merchantId: string, _guildId: string, kind: string, subject: string, message: string) => {
      const opened = !this.alerts.some((alert) => alert.kind === kind && alert.subject === subject);
      if (opened) this.alerts.push({ kind, subject, message });
      return Promise.resolve({ alert: {} as MerchantAlert, opened });
    },
    resolve: (_guildId: string, kind: string, subject?: string): Promise<number> => {
      this.resolved.push({ kind, subject });
      return Promise.resolve(0);
    },
  };

  auditLog = {
    add: (entries: readonly NewAuditLogEntry[]): Promise<void> => {
      this.audit.push(...entries);
      return Promise.resolve();
    },
  };

  /** The only delivery, for tests that make one. */
  only(): NotificationDelivery {
    const all = [...this.deliveries.values()];
    if (all.length !== 1) throw new Error(`expected one delivery, found ${all.length}`);
    return all[0]!;
  }
}

/** A bot that records posts and answers each from a script (a message id, or an error to throw). */
export class FakeBot implements MessageSender {
  readonly posts: Array<{ channelId: string; input: CreateMessageInput }> = [];
  private readonly script: Array<Error | string> = [];
  private counter = 0;

  /** Queues the answers to the next posts; unscripted posts succeed. */
  answer(...answers: Array<Error | string>): this {
    this.script.push(...answers);
    return this;
  }

  createMessage(channelId: string, input: CreateMessageInput): Promise<{ id: string }> {
    this.posts.push({ channelId, input });
    const next = this.script.shift();
    if (next instanceof Error) return Promise.reject(next);
    this.counter += 1;
    return Promise.resolve({ id: next ?? `14000000000000000${String(this.counter).padStart(2, '0')}` });
  }
}
