import { z } from 'zod';
import { envInteger, envUrl, loadEnv, type LoadEnvOptions } from '@inflow/service-runtime';
import { workerEnvFields } from '@inflow/worker-host';

const secret = z.string().min(1);

function isSupportedLocale(value: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf(value).length > 0;
  } catch {
    // A malformed language tag throws instead of being reported unsupported.
    return false;
  }
}

const schema = z.object({
  ...workerEnvFields(3003),
  DISCORD_API_URL: envUrl(['http:', 'https:']).default('https://discord.com/api'),
  DISCORD_BOT_TOKEN: secret,
  DISCORD_CLIENT_ID: z
    .string()
    .regex(/^[1-9][0-9]{16,19}$/, { error: 'must be the application id (a Discord id)' }),
  DISCORD_CLIENT_SECRET: secret,
  DISCORD_GLOBAL_RATE_LIMIT: envInteger(1, 10_000).default(50),
  /** BCP 47 locale that amounts in notifications are formatted for (dates follow each reader's Discord). */
  NOTIFICATION_LOCALE: z
    .string()
    .refine(isSupportedLocale, {
      error: 'must be a BCP 47 locale this Node.js supports, e.g. en-US or de-DE',
    })
    .default('en-US'),
  /** Notifications posted at once by this process; Discord's limits, not this, bound the throughput. */
  NOTIFICATION_CONCURRENCY: envInteger(1, 200).default(10),
});

export type Env = z.output<typeof schema>;

export function loadServiceEnv(source: NodeJS.ProcessEnv = process.env, options: LoadEnvOptions = {}): Env {
  return loadEnv('notification-worker', schema, source, options);
}
