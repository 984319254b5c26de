import { z } from 'zod';

/**
 * A Discord id: a decimal string of 17 to 20 digits without a leading zero.
 * Ids are strings end to end; as numbers they would lose precision past 2^53.
 */
export const snowflakeSchema = z
  .string({ error: 'must be a Discord id: a string of 17 to 20 digits' })
  .regex(/^[1-9][0-9]{16,19}$/, 'must be a Discord id: a string of 17 to 20 digits');

export type Snowflake = z.infer<typeof snowflakeSchema>;
