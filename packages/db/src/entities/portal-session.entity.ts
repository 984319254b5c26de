import { EntitySchema } from 'typeorm';
import { column } from './columns';

/** A short-lived customer portal session; the token travels in the link, only its hash is stored. */
export interface PortalSession {
  id: string;
  merchantId: string;
  customerId: string;
  tokenHash: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

export const PortalSessionEntity = new EntitySchema<PortalSession>({
  name: 'portal_session',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    customerId: column.uuid,
    tokenHash: column.bytes,
    createdAt: column.createdAt,
    expiresAt: column.timestamp,
  },
});
