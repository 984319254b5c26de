import { z } from 'zod';
import {
  databaseUrl,
  envInteger,
  envUrl,
  loadEnv,
  logLevel,
  port,
  queuePrefix,
  redisUrl,
  shutdownTimeoutMs,
} from '@inflow/service-runtime';

const secret = z.string().min(1);

const schema = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: port(3000),
  PUBLIC_URL: envUrl(['http:', 'https:']).default('http://localhost:3000'),
  DISCORD_API_URL: envUrl(['http:', 'https:']).default('https://discord.com/api'),
  DISCORD_OAUTH_AUTHORIZE_URL: envUrl(['http:', 'https:']).default('https://discord.com/oauth2/authorize'),
  DISCORD_BOT_TOKEN: secret,
  DISCORD_CLIENT_ID: z
    .string()
    .regex(/^[1-9][0-9]{16,19}$/, { error: 'must be the application id (a Discord id)' }),
  DISCORD_CLIENT_SECRET: secret,
  DISCORD_GLOBAL_RATE_LIMIT: envInteger(1, 10_000).default(50),
  /** 32 bytes, base64: encrypts customers' OAuth tokens at rest (AES-256-GCM); also keys the CSRF tokens. */
  TOKEN_ENCRYPTION_KEY: z.string().refine((value) => Buffer.from(value, 'base64').length === 32, {
    error: 'must be 32 bytes, base64-encoded',
  }),
  /** How long a customer portal link (and its session) lasts. */
  PORTAL_SESSION_TTL_MS: envInteger(60_000, 86_400_000, ' of milliseconds').default(3_600_000),
  /** How long a dashboard sign-in lasts. */
  DASHBOARD_SESSION_TTL_MS: envInteger(60_000, 2_592_000_000, ' of milliseconds').default(43_200_000),
  /** Requests per second per API key, shared by every api replica. */
  API_RATE_LIMIT_PER_SECOND: envInteger(1, 1_000_000).default(200),
  LOG_LEVEL: logLevel,
  QUEUE_PREFIX: queuePrefix,
  SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
});

export type ApiEnv = z.output<typeof schema>;

export function loadApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  return loadEnv('api', schema, source);
}
