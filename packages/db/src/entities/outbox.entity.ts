import { EntitySchema } from 'typeorm';
import { column } from './columns';

/** A job to publish, written in the transaction of the state change that needs it. */
export interface OutboxEntry {
  id: string;
  jobName: string;
  payload: unknown;
  createdAt: Date;
  publishedAt: Date | null;
  deadAt: Date | null;
  lastError: string | null;
}

export const OutboxEntity = new EntitySchema<OutboxEntry>({
  name: 'outbox',
  columns: {
    id: column.identityPrimary,
    jobName: column.text,
    payload: column.json,
    createdAt: column.createdAt,
    publishedAt: column.nullableTimestamp,
    deadAt: column.nullableTimestamp,
    lastError: column.nullableText,
  },
});
