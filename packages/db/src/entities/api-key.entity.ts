import { EntitySchema } from 'typeorm';
import { column } from './columns';

export interface ApiKey {
  id: string;
  merchantId: string;
  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  keyHash: Buffer;
  keyPrefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKey>({
  name: 'api_key',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    keyHash: column.bytes,
    keyPrefix: column.text,
    label: column.nullableText,
    createdAt: column.createdAt,
    lastUsedAt: column.nullableTimestamp,
    revokedAt: column.nullableTimestamp,
  },
});
