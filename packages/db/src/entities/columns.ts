import type { EntitySchemaColumnOptions, ValueTransformer } from 'typeorm';

/** numeric columns arrive from pg as strings; these hold small decimals that fit a double exactly enough. */
const numericAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** bigint columns holding counts of cents: well below 2^53, so numbers are safe. */
const bigintAsNumber: ValueTransformer = numericAsNumber;

export const column = {
  uuidPrimary: { type: 'uuid', primary: true, generated: 'uuid' },
  uuid: { type: 'uuid' },
  nullableUuid: { type: 'uuid', nullable: true },
  text: { type: 'text' },
  nullableText: { type: 'text', nullable: true },
  boolean: { type: 'boolean' },
  integer: { type: 'integer' },
  nullableInteger: { type: 'integer', nullable: true },
  cents: { type: 'bigint', transformer: bigintAsNumber },
  decimal: { type: 'numeric', transformer: numericAsNumber },
  timestamp: { type: 'timestamptz' },
  nullableTimestamp: { type: 'timestamptz', nullable: true },
  createdAt: { type: 'timestamptz', createDate: true },
  updatedAt: { type: 'timestamptz', updateDate: true },
  bytes: { type: 'bytea' },
  nullableBytes: { type: 'bytea', nullable: true },
  json: { type: 'jsonb' },
  textArray: { type: 'text', array: true },
  nullableTextArray: { type: 'text', array: true, nullable: true },
  identityPrimary: { type: 'bigint', primary: true, generated: 'increment' },
} satisfies Record<string, EntitySchemaColumnOptions>;
