import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type GuildInstallStatus = 'installed' | 'removed';
export type GuildHealthStatus = 'healthy' | 'needs_action' | 'unreachable';

/** One problem found with a guild's setup, with the sentence that tells the merchant how to fix it. */
export interface GuildHealthProblem {
  code: string;
  severity?: 'error' | 'warning';
  message: string;
  roleId?: string;
  channelId?: string;
}

export interface DiscordGuild {
  guildId: string;
  merchantId: string;
  name: string;
  installStatus: GuildInstallStatus;
  installedAt: Date;
  removedAt: Date | null;
  paymentChannelId: string | null;
  generalChannelId: string | null;
  inviteUrl: string | null;
  notifyPaymentSucceeded: boolean;
  notifyPaymentFailed: boolean;
  notifySubscriptionCreated: boolean;
  notifySubscriptionCanceled: boolean;
  healthStatus: GuildHealthStatus;
  healthDetail: GuildHealthProblem[];
  healthCheckedAt: Date | null;
  /** Channels Discord refused posts to, with the reason: channel id -> sentence for the merchant. */
  brokenChannels: Record<string, string>;
  updatedAt: Date;
}

export const DiscordGuildEntity = new EntitySchema<DiscordGuild>({
  name: 'discord_guild',
  columns: {
    guildId: { ...column.text, primary: true },
    merchantId: column.uuid,
    name: column.text,
    installStatus: column.text,
    installedAt: column.timestamp,
    removedAt: column.nullableTimestamp,
    paymentChannelId: column.nullableText,
    generalChannelId: column.nullableText,
    inviteUrl: column.nullableText,
    notifyPaymentSucceeded: column.boolean,
    notifyPaymentFailed: column.boolean,
    notifySubscriptionCreated: column.boolean,
    notifySubscriptionCanceled: column.boolean,
    healthStatus: column.text,
    healthDetail: column.json,
    healthCheckedAt: column.nullableTimestamp,
    brokenChannels: column.json,
    updatedAt: column.updatedAt,
  },
});
