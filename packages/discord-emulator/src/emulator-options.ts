import { type PrivilegedIntents } from './discord/intents';
import { type InvalidRequestLimit } from './rate-limit/rate-limiter';
import { type BucketLimit, type RouteBucketName } from './rest/route-buckets';

/** Options of {@link startEmulator}. Every field has a Discord-like default. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The bot token clients must send as `Authorization: Bot <token>`. Default `emulator-bot-token`. */
  botToken?: string;
  /** The application (client) id. Default `1380000000000000001`. */
  applicationId?: string;
  /** The bot user's id; Discord gives modern bots their application's id, so that is the default. */
  botUserId?: string;
  /** The bot's username, also the name of its managed role. Default `Inflow`. */
  botUsername?: string;
  /** Application name shown by `/oauth2/@me`. Default `Inflow`. */
  applicationName?: string;
  /** OAuth client secret. Default `emulator-client-secret`. */
  clientSecret?: string;
  /**
   * Registered OAuth redirect URIs; `redirect_uri` must match one exactly. Defaults to the product's
   * callbacks on `http://localhost:3000`.
   */
  redirectUris?: string[];
  /** Requests per second per bot token (or bearer token, or IP when unauthenticated). Default 50. */
  globalRateLimit?: number;
  /**
   * The per-guild bucket shared by member-role add and remove. Default 10 per 10 000 ms, the limit
   * commonly observed on Discord (it publishes none).
   */
  memberRoleBucket?: BucketLimit;
  /** Overrides of other per-route buckets (see DEFAULT_ROUTE_BUCKETS). */
  routeBuckets?: Partial<Record<Exclude<RouteBucketName, 'member-roles'>, BucketLimit>>;
  /** Invalid requests (401, 403, 429 except shared) per IP before a ban. Default 10 000 per 600 000 ms, ban 3 600 000 ms. */
  invalidRequestLimit?: InvalidRequestLimit;
  /** OAuth access-token lifetime in seconds. Default 604 800 (7 days, as on Discord). */
  tokenTtlSeconds?: number;
  /** HELLO's heartbeat_interval in ms. Default 41 250, Discord's usual value. */
  heartbeatIntervalMs?: number;
  /**
   * Identify throttling. Discord allows one identify per 5 s per `shard_id % max_concurrency` with
   * max_concurrency 1 for most bots; tests may relax it (GET /gateway/bot reports `maxConcurrency`).
   */
  identify?: { maxConcurrency?: number; intervalMs?: number };
  /** `shards` recommended by GET /gateway/bot. Default 1. */
  recommendedShards?: number;
  /** Session starts per 24 h. Default 1000. */
  sessionStartLimit?: number;
  /** How long a disconnected gateway session stays resumable. Default 120 000 ms. */
  resumeWindowMs?: number;
  /** Privileged intents granted to the app. Default: GUILD_MEMBERS granted, presences and message content not. */
  privilegedIntents?: Partial<PrivilegedIntents>;
  /** Receives one line per notable event (bans, gateway sessions, unexpected errors). Default: silent. */
  logger?: (line: string) => void;
}

export interface ResolvedEmulatorOptions {
  port: number;
  botToken: string;
  applicationId: string;
  botUserId: string;
  botUsername: string;
  applicationName: string;
  clientSecret: string;
  redirectUris: string[];
  globalRateLimit: number;
  routeBuckets: Partial<Record<RouteBucketName, BucketLimit>>;
  invalidRequestLimit: InvalidRequestLimit;
  tokenTtlSeconds: number;
  heartbeatIntervalMs: number;
  identify: { maxConcurrency: number; intervalMs: number };
  recommendedShards: number;
  sessionStartLimit: number;
  resumeWindowMs: number;
  privilegedIntents: Partial<PrivilegedIntents>;
  logger: (line: string) => void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be > 0, got ${value}`);
  return value;
}

const DEFAULT_APPLICATION_ID = '1380000000000000001';

/** Applies defaults and rejects values Discord could never have (so a typo fails at start, not mid-test). */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be 0..65535, got ${port}`);
  const applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
  const invalid = options.invalidRequestLimit ?? { max: 10_000, windowMs: 600_000, banMs: 3_600_000 };
  const routeBuckets: Partial<Record<RouteBucketName, BucketLimit>> = { ...options.routeBuckets };
  if (options.memberRoleBucket) routeBuckets['member-roles'] = options.memberRoleBucket;
  const redirectUris = options.redirectUris ?? [
    'http://localhost:3000/oauth/discord/callback',
    'http://localhost:3000/oauth/discord/bot-callback',
  ];
  for (const uri of redirectUris) new URL(uri);
  const resolved: ResolvedEmulatorOptions = {
    port,
    botToken: options.botToken ?? 'emulator-bot-token',
    applicationId,
    botUserId: options.botUserId ?? applicationId,
    botUsername: options.botUsername ?? 'Inflow',
    applicationName: options.applicationName ?? 'Inflow',
    clientSecret: options.clientSecret ?? 'emulator-client-secret',
    redirectUris: [...redirectUris],
    globalRateLimit: positiveInteger('globalRateLimit', options.globalRateLimit ?? 50),
    routeBuckets,
    invalidRequestLimit: {
      max: positiveInteger('invalidRequestLimit.max', invalid.max),
      windowMs: positive('invalidRequestLimit.windowMs', invalid.windowMs),
      banMs: positive('invalidRequestLimit.banMs', invalid.banMs),
    },
    tokenTtlSeconds: positive('tokenTtlSeconds', options.tokenTtlSeconds ?? 604_800),
    heartbeatIntervalMs: positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? 41_250),
    identify: {
      maxConcurrency: positiveInteger('identify.maxConcurrency', options.identify?.maxConcurrency ?? 1),
      intervalMs: options.identify?.intervalMs ?? 5_000,
    },
    recommendedShards: positiveInteger('recommendedShards', options.recommendedShards ?? 1),
    sessionStartLimit: positiveInteger('sessionStartLimit', options.sessionStartLimit ?? 1000),
    resumeWindowMs: positive('resumeWindowMs', options.resumeWindowMs ?? 120_000),
    privilegedIntents: { ...options.privilegedIntents },
    logger: options.logger ?? (() => undefined),
  };
  if (resolved.identify.intervalMs < 0) throw new RangeError('identify.intervalMs must be ≥ 0');
  if (!resolved.botToken || /\s/.test(resolved.botToken))
    throw new RangeError('botToken must be non-empty without spaces');
  return resolved;
}
