import { z } from 'zod';
import { envInteger, envUrl, loadEnv } from '@inflow/service-runtime';
import { workerEnvFields } from '@inflow/worker-host';

const secret = z.string().min(1);

const schema = z.object({
  ...workerEnvFields(3002),
  DISCORD_API_URL: envUrl(['http:', 'https:']).default('https://discord.com/api'),
  DISCORD_BOT_TOKEN: secret,
  DISCORD_CLIENT_ID: z
    .string()
    .regex(/^[1-9][0-9]{16,19}$/, { error: 'must be the application id (a Discord id)' }),
  DISCORD_CLIENT_SECRET: secret,
  DISCORD_GLOBAL_RATE_LIMIT: envInteger(1, 10_000).default(50),
  /** 32 bytes, base64: decrypts customers' OAuth tokens to add them to guilds (`guilds.join`). */
  TOKEN_ENCRYPTION_KEY: z.string().refine((value) => Buffer.from(value, 'base64').length === 32, {
    error: 'must be 32 bytes, base64-encoded',
  }),
  /** Jobs processed at once by this process; Discord's limits, not this, bound the throughput. */
  ROLE_SYNC_CONCURRENCY: envInteger(1, 200).default(20),
  /**
   * A job whose worker died (SIGKILL, crash) is taken over by another worker once its lock expires
   * (live workers renew their locks), so this bounds how long a killed worker's jobs wait.
   */
  ROLE_SYNC_LOCK_DURATION_MS: envInteger(1000, 600_000, ' of milliseconds').default(15_000),
  /** The mass-removal brake looks at removals in a guild over this window. */
  MASS_REMOVAL_WINDOW_MS: envInteger(1000, 86_400_000, ' of milliseconds').default(600_000),
  /** The brake never holds fewer removals than this in a window, however small the guild. */
  MASS_REMOVAL_MIN: envInteger(1, 1_000_000).default(25),
});

export type Env = z.output<typeof schema>;

export function loadServiceEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadEnv('role-sync-worker', schema, source);
}
