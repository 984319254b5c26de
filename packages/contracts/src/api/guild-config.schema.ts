import { z } from 'zod';
import { snowflakeSchema } from '../snowflake';

export const notificationTogglesSchema = z.strictObject({
  paymentSucceeded: z.boolean(),
  paymentFailed: z.boolean(),
  subscriptionCreated: z.boolean(),
  subscriptionCanceled: z.boolean(),
});

/** Body of `PUT /discord/guilds/:guildId`. */
export const guildConfigSchema = z.strictObject({
  paymentChannelId: snowflakeSchema.nullable().optional(),
  generalChannelId: snowflakeSchema.nullable().optional(),
  inviteUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://discord.gg/abc' })
    .max(500)
    .nullable()
    .optional(),
  notifications: notificationTogglesSchema,
});

export type NotificationToggles = z.infer<typeof notificationTogglesSchema>;
export type GuildConfigInput = z.infer<typeof guildConfigSchema>;
