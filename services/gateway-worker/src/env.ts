import { z } from 'zod';
import { envInteger, envUrl, loadEnv, type LoadEnvOptions } from '@inflow/service-runtime';
import { workerEnvFields } from '@inflow/worker-host';

const secret = z.string().min(1);

/** Discord allows many thousands of shards; this only catches typos such as an extra digit. */
const MAX_SHARD_COUNT = 100_000;

/**
 * `SHARD_IDS`: the shards this replica holds, as a list (`0,2`) or an inclusive range (`0-3`).
 * Parsed to the sorted, distinct ids; the check against `SHARD_COUNT` is made on the whole schema.
 */
const shardIds = z
  .string()
  .regex(/^(\d+(,\d+)*|\d+-\d+)$/, { error: 'must be a list like "0,2" or a range like "0-3"' })
  .transform((value, context) => {
    const range = /^(\d+)-(\d+)$/.exec(value);
    if (range === null) return [...new Set(value.split(',').map(Number))].sort((a, b) => a - b);
    const [start, end] = [Number(range[1]), Number(range[2])];
    if (start > end || end >= MAX_SHARD_COUNT) {
      context.addIssue({
        code: 'custom',
        message: `must be a range from low to high below ${MAX_SHARD_COUNT}`,
      });
      return z.NEVER;
    }
    return Array.from({ length: end - start + 1 }, (_, index) => start + index);
  });

const schema = z
  .object({
    ...workerEnvFields(3001),
    DISCORD_API_URL: envUrl(['http:', 'https:']).default('https://discord.com/api'),
    /** Unset: the URL comes from `GET /gateway/bot`. */
    DISCORD_GATEWAY_URL: envUrl(['ws:', 'wss:']).optional(),
    DISCORD_BOT_TOKEN: secret,
    DISCORD_CLIENT_ID: z
      .string()
      .regex(/^[1-9][0-9]{16,19}$/, { error: 'must be the application id (a Discord id)' }),
    DISCORD_GLOBAL_RATE_LIMIT: envInteger(1, 10_000).default(50),
    /** Shards across every replica; unset: Discord's recommendation from `GET /gateway/bot`. */
    SHARD_COUNT: envInteger(1, MAX_SHARD_COUNT).optional(),
    /** This replica's shards; unset: all of `0 … SHARD_COUNT - 1`. */
    SHARD_IDS: shardIds.optional(),
  })
  .superRefine((env, context) => {
    // zod runs this check even when a field failed, with that field's raw text: judge parsed lists only.
    if (!Array.isArray(env.SHARD_IDS)) return;
    if (env.SHARD_COUNT === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['SHARD_IDS'],
        message: 'needs SHARD_COUNT (the number of shards across every replica)',
      });
      return;
    }
    const count = env.SHARD_COUNT;
    const outside = env.SHARD_IDS.filter((id) => id >= count);
    if (outside.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['SHARD_IDS'],
        message: `must name shards below SHARD_COUNT (${count}), not ${outside.join(', ')}`,
      });
    }
  });

export type Env = z.output<typeof schema>;

export function loadServiceEnv(source: NodeJS.ProcessEnv = process.env, options: LoadEnvOptions = {}): Env {
  return loadEnv('gateway-worker', schema, source, options);
}
