import { EntitySchema } from 'typeorm';
import type { OfferInterval } from '@inflow/contracts';
import { column } from './columns';

export interface Offer {
  id: string;
  merchantId: string;
  name: string;
  description: string | null;
  amountInCents: number;
  currency: string;
  billingInterval: OfferInterval;
  intervalCount: number;
  discordGuildId: string | null;
  discordRoleId: string | null;
  gracePeriodDays: number;
  createdAt: Date;
  updatedAt: Date;
}

export const OfferEntity = new EntitySchema<Offer>({
  name: 'offer',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    name: column.text,
    description: column.nullableText,
    amountInCents: column.cents,
    currency: column.text,
    billingInterval: column.text,
    intervalCount: column.integer,
    discordGuildId: column.nullableText,
    discordRoleId: column.nullableText,
    gracePeriodDays: column.integer,
    createdAt: column.createdAt,
    updatedAt: column.updatedAt,
  },
});
