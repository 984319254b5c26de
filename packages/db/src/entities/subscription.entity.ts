import { EntitySchema } from 'typeorm';
import type { SubscriptionStatus } from '@inflow/contracts';
import { column } from './columns';

export interface Subscription {
  id: string;
  merchantId: string;
  /** The merchant's own id for the subscription. */
  externalId: string;
  customerId: string;
  offerId: string;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  /** When the access it grants ends by the clock; the cleanup sweep's index. */
  accessEndsAt: Date | null;
  lastEventAt: Date;
  lastEventId: string;
  createdAt: Date;
  updatedAt: Date;
}

export const SubscriptionEntity = new EntitySchema<Subscription>({
  name: 'subscription',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    externalId: column.text,
    customerId: column.uuid,
    offerId: column.uuid,
    status: column.text,
    currentPeriodEnd: column.nullableTimestamp,
    cancelAtPeriodEnd: column.boolean,
    pastDueSince: column.nullableTimestamp,
    accessEndsAt: column.nullableTimestamp,
    lastEventAt: column.timestamp,
    lastEventId: column.text,
    createdAt: column.createdAt,
    updatedAt: column.updatedAt,
  },
});
