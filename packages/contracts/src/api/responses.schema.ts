import { z } from 'zod';
import { snowflakeSchema } from '../snowflake';
import { subscriptionStatusSchema } from '../subscription-status';
import { OFFER_INTERVALS } from './offer.schema';
import { notificationTogglesSchema } from './guild-config.schema';

/** One problem with a guild's setup and the sentence that says how to fix it. */
export const diagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  roleId: snowflakeSchema.optional(),
  channelId: snowflakeSchema.optional(),
});

export const offerSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  amountInCents: z.number().int(),
  currency: z.string(),
  interval: z.enum(OFFER_INTERVALS),
  intervalCount: z.number().int(),
  discordGuildId: snowflakeSchema.nullable(),
  discordRoleId: snowflakeSchema.nullable(),
  gracePeriodDays: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Present when the offer names a role: whether the bot can grant it, with fix-it sentences. */
  diagnostics: z.array(diagnosticSchema).optional(),
});

export const offerListSchema = z.object({ data: z.array(offerSchema), nextCursor: z.string().nullable() });

export const eventAcceptedSchema = z.object({ id: z.string(), status: z.literal('accepted') });

export const roleSyncStateSchema = z.object({
  guildId: snowflakeSchema,
  roleId: snowflakeSchema,
  /** Whether the subscription grants the role right now (the access rule). */
  shouldHave: z.boolean(),
  /** Whether the member has it on Discord as last applied or seen; null when never synced. */
  has: z.boolean().nullable(),
  state: z.enum(['synced', 'pending', 'held', 'blocked', 'needs_action', 'failed', 'not_linked', 'unknown']),
  lastError: z.string().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});

export const subscriptionViewSchema = z.object({
  id: z.string(),
  offerId: z.uuid(),
  customerId: z.string(),
  status: subscriptionStatusSchema,
  currentPeriodEnd: z.iso.datetime().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  pastDueSince: z.iso.datetime().nullable(),
  accessEndsAt: z.iso.datetime().nullable(),
  lastEventAt: z.iso.datetime(),
  discord: z
    .object({
      userId: snowflakeSchema,
      username: z.string(),
      linkedAt: z.iso.datetime(),
      tokenStatus: z.string(),
    })
    .nullable(),
  roles: z.array(roleSyncStateSchema),
});

export const guildViewSchema = z.object({
  guildId: snowflakeSchema,
  name: z.string(),
  installStatus: z.enum(['installed', 'removed']),
  installedAt: z.iso.datetime(),
  paymentChannelId: snowflakeSchema.nullable(),
  generalChannelId: snowflakeSchema.nullable(),
  inviteUrl: z.string().nullable(),
  notifications: notificationTogglesSchema,
  health: z.object({
    status: z.enum(['healthy', 'needs_action', 'unreachable']),
    problems: z.array(diagnosticSchema),
    checkedAt: z.iso.datetime().nullable(),
  }),
});

export const inviteLinkSchema = z.object({ url: z.url(), expiresAt: z.iso.datetime() });

export type OfferView = z.infer<typeof offerSchema>;
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;
export type RoleSyncStateView = z.infer<typeof roleSyncStateSchema>;
export type GuildView = z.infer<typeof guildViewSchema>;
export type Diagnostic = z.infer<typeof diagnosticSchema>;
