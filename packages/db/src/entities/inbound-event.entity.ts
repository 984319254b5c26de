import { EntitySchema } from 'typeorm';
import { column } from './columns';

/** A merchant event as received, stale or not. */
export interface InboundEvent {
  id: string;
  merchantId: string;
  /** The merchant's event id: unique per merchant, the idempotency key. */
  externalId: string;
  type: string;
  occurredAt: Date;
  /** SHA-256 of the canonical body: tells a retry from a conflicting reuse of the id. */
  bodyHash: Buffer;
  body: unknown;
  subscriptionId: string | null;
  /** False when older than the last applied event of its subscription. */
  applied: boolean;
  receivedAt: Date;
}

export const InboundEventEntity = new EntitySchema<InboundEvent>({
  name: 'inbound_event',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    externalId: column.text,
    type: column.text,
    occurredAt: column.timestamp,
    bodyHash: column.bytes,
    body: column.json,
    subscriptionId: column.nullableUuid,
    applied: column.boolean,
    receivedAt: column.createdAt,
  },
});
