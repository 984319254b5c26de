import { z } from 'zod';
import { subscriptionStatusSchema } from '../subscription-status';

export const MERCHANT_EVENT_TYPES = [
  'subscription.created',
  'subscription.updated',
  'subscription.past_due',
  'subscription.canceled',
  'subscription.expired',
  'payment.succeeded',
  'payment.failed',
] as const;

export type MerchantEventType = (typeof MERCHANT_EVENT_TYPES)[number];

const PAYMENT_EVENT_TYPES: ReadonlySet<MerchantEventType> = new Set(['payment.succeeded', 'payment.failed']);

export function isPaymentEventType(type: MerchantEventType): boolean {
  return PAYMENT_EVENT_TYPES.has(type);
}

/** Ids the merchant chose: printable, no whitespace, bounded. */
const externalIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const isoInstantSchema = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a time zone',
});

export const merchantEventSchema = z
  .strictObject({
    id: externalIdSchema,
    type: z.enum(MERCHANT_EVENT_TYPES),
    occurredAt: isoInstantSchema,
    subscription: z.strictObject({
      id: externalIdSchema,
      offerId: z.uuid('must be the id of one of your offers'),
      status: subscriptionStatusSchema,
      currentPeriodEnd: isoInstantSchema.nullable().optional(),
      cancelAtPeriodEnd: z.boolean().default(false),
      customer: z.strictObject({
        id: externalIdSchema,
        email: z.email().max(320).nullable().optional(),
      }),
    }),
    payment: z
      .strictObject({
        id: externalIdSchema,
        amountInCents: z.number().int().min(0),
        currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 currency code'),
        failureReason: z.string().max(1000).nullable().optional(),
      })
      .nullable()
      .optional(),
  })
  .superRefine((event, ctx) => {
    if (isPaymentEventType(event.type) && event.payment == null) {
      ctx.addIssue({ code: 'custom', path: ['payment'], message: `is required for ${event.type}` });
    }
  });

export type MerchantEvent = z.infer<typeof merchantEventSchema>;
