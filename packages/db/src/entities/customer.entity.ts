import { EntitySchema } from 'typeorm';
import { column } from './columns';

export interface Customer {
  id: string;
  merchantId: string;
  /** The merchant's own id for the customer. */
  externalId: string;
  email: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CustomerEntity = new EntitySchema<Customer>({
  name: 'customer',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    externalId: column.text,
    email: column.nullableText,
    createdAt: column.createdAt,
    updatedAt: column.updatedAt,
  },
});
