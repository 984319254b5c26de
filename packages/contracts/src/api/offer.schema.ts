import { z } from 'zod';
import { snowflakeSchema } from '../snowflake';

export const OFFER_INTERVALS = ['day', 'week', 'month', 'year'] as const;

const currencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 currency code such as EUR or USD')
  .transform((code) => code.toUpperCase());

const offerFields = {
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(2000).nullable(),
  amountInCents: z.number().int('must be a whole number of cents').min(0).max(100_000_000_00),
  currency: currencySchema,
  interval: z.enum(OFFER_INTERVALS),
  intervalCount: z.number().int().min(1).max(365),
  discordGuildId: snowflakeSchema.nullable(),
  discordRoleId: snowflakeSchema.nullable(),
  gracePeriodDays: z.number().int().min(0).max(365),
};

/** Guild and role name one Discord role together: both or neither. */
function guildAndRoleTogether(
  offer: { discordGuildId?: string | null | undefined; discordRoleId?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  const hasGuild = offer.discordGuildId != null;
  const hasRole = offer.discordRoleId != null;
  if (hasGuild && !hasRole) {
    ctx.addIssue({
      code: 'custom',
      path: ['discordRoleId'],
      message: 'is required when discordGuildId is set',
    });
  }
  if (hasRole && !hasGuild) {
    ctx.addIssue({
      code: 'custom',
      path: ['discordGuildId'],
      message: 'is required when discordRoleId is set',
    });
  }
}

/** Body of `POST /subscription/offer`. */
export const createOfferSchema = z
  .strictObject({
    name: offerFields.name,
    description: offerFields.description.optional(),
    amountInCents: offerFields.amountInCents,
    currency: offerFields.currency,
    interval: offerFields.interval,
    intervalCount: offerFields.intervalCount.default(1),
    discordGuildId: offerFields.discordGuildId.optional(),
    discordRoleId: offerFields.discordRoleId.optional(),
    gracePeriodDays: offerFields.gracePeriodDays.default(0),
  })
  .superRefine(guildAndRoleTogether);

/** Body of `PATCH /subscription/offer/:id`: any subset; guild and role still travel together. */
export const updateOfferSchema = z
  .strictObject({
    name: offerFields.name.optional(),
    description: offerFields.description.optional(),
    amountInCents: offerFields.amountInCents.optional(),
    currency: offerFields.currency.optional(),
    interval: offerFields.interval.optional(),
    intervalCount: offerFields.intervalCount.optional(),
    discordGuildId: offerFields.discordGuildId.optional(),
    discordRoleId: offerFields.discordRoleId.optional(),
    gracePeriodDays: offerFields.gracePeriodDays.optional(),
  })
  .superRefine((patch, ctx) => {
    if ('discordGuildId' in patch || 'discordRoleId' in patch) guildAndRoleTogether(patch, ctx);
  });

export type CreateOfferInput = z.infer<typeof createOfferSchema>;
export type UpdateOfferInput = z.infer<typeof updateOfferSchema>;
export type OfferInterval = (typeof OFFER_INTERVALS)[number];
