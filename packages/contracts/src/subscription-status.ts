import { z } from 'zod';

export const SUBSCRIPTION_STATUSES = ['ACTIVE', 'TRIALING', 'PAST_DUE', 'CANCELED', 'EXPIRED'] as const;

export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);

export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;
