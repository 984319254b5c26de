import { once } from 'node:events';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { startEmulator, type DemoSeed, type DiscordEmulator } from '@inflow/discord-emulator';
import { createRedisConnection } from '@inflow/queue';
import { createLogger, createMetrics } from '@inflow/service-runtime';
import { Database } from '@inflow/db';
import {
  createTestDatabase,
  deleteRedisKeys,
  freePort,
  startTcpProxy,
  testEnv,
  uniqueRedisPrefix,
  type TcpProxy,
  type TestDatabase,
} from '@inflow/testing';
import { generateApiKey } from '../auth/api-key';
import { composeApi, type ComposedApi } from '../compose-api';

/** The harness's TOKEN_ENCRYPTION_KEY, so tests can read what the api encrypted. */
export const TEST_TOKEN_KEY = Buffer.alloc(32, 42).toString('base64');

export interface TestMerchant {
  merchantId: string;
  apiKey: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface ApiHarnessOptions {
  /** Where the api's Redis connection goes (a proxy the test can cut). Default: the test Redis. */
  redisUrl?: string;
  /** Put a proxy between the api and its database, which the test can cut (`harness.postgresProxy`). */
  postgresProxy?: boolean;
  apiRateLimitPerSecond?: number;
}

/**
 * The api as main.ts builds it, in the test process: a database of its own, a Redis prefix of its own,
 * a Discord emulator with a demo guild, and every log line kept for assertions.
 */
export class ApiHarness {
  readonly logs: string[] = [];
  baseUrl = '';
  seed!: DemoSeed;
  postgresProxy: TcpProxy | null = null;
  private api!: ComposedApi;
  private server!: ReturnType<ComposedApi['app']['listen']>;
  private apiDb: Database | null = null;

  private constructor(
    readonly t: TestDatabase,
    readonly emulator: DiscordEmulator,
    readonly redis: Redis,
    readonly prefix: string,
  ) {}

  static async start(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
    const t = await createTestDatabase();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const emulator = await startEmulator({
      redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
    });
    const prefix = uniqueRedisPrefix('api');
    const redis = createRedisConnection(options.redisUrl ?? testEnv.redisUrl, {
      purpose: 'producer',
      name: 'api-test',
      onError: () => undefined,
    });
    const harness = new ApiHarness(t, emulator, redis, prefix);
    let db = t.db;
    if (options.postgresProxy === true) {
      const target = new URL(t.url);
      harness.postgresProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      harness.apiDb = await Database.connect({ url: harness.postgresProxy.urlFor(t.url), poolSize: 5 });
      db = harness.apiDb;
    }
    harness.seed = emulator.state.seedDemo();
    const logger = createLogger({
      service: 'api',
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          harness.logs.push(
            ...chunk
              .toString('utf8')
              .split('\n')
              .filter((line) => line !== ''),
          );
          done();
        },
      }),
    });
    harness.api = composeApi({
      env: {
        PUBLIC_URL: publicUrl,
        DISCORD_API_URL: emulator.apiBaseUrl,
        DISCORD_OAUTH_AUTHORIZE_URL: emulator.authorizeUrl,
        DISCORD_BOT_TOKEN: emulator.botToken,
        DISCORD_CLIENT_ID: emulator.applicationId,
        DISCORD_CLIENT_SECRET: emulator.clientSecret,
        DISCORD_GLOBAL_RATE_LIMIT: 50,
        API_RATE_LIMIT_PER_SECOND: options.apiRateLimitPerSecond ?? 10_000,
        TOKEN_ENCRYPTION_KEY: TEST_TOKEN_KEY,
        PORTAL_SESSION_TTL_MS: 3_600_000,
        DASHBOARD_SESSION_TTL_MS: 3_600_000,
        QUEUE_PREFIX: prefix,
      },
      db,
      redis,
      logger,
      registry: createMetrics({ service: 'api' }).registry,
      isShuttingDown: () => false,
    });
    harness.server = harness.api.app.listen(port, '127.0.0.1');
    await once(harness.server, 'listening');
    harness.baseUrl = publicUrl;
    return harness;
  }

  /** Started, with a merchant Acme, the seed guild connected to it, and its seed offer: the events tests' world. */
  static async startWithSeedOffer(
    options: ApiHarnessOptions = {},
  ): Promise<{ h: ApiHarness; merchant: TestMerchant; offerId: string }> {
    const h = await ApiHarness.start(options);
    const merchant = await h.createMerchant('Acme');
    await h.connectGuild(merchant);
    return { h, merchant, offerId: await h.createSeedOffer(merchant) };
  }

  get routes(): ComposedApi['routes'] {
    return this.api.routes;
  }

  get app(): ComposedApi['app'] {
    return this.api.app;
  }

  async createMerchant(name: string): Promise<TestMerchant> {
    const key = generateApiKey();
    const { merchant } = await this.t.db.repositories.merchants.createWithApiKey(name, key);
    return { merchantId: merchant.id, apiKey: key.apiKey };
  }

  /** Binds a guild to a merchant as a completed bot install would. */
  async connectGuild(
    merchant: TestMerchant,
    guildId = this.seed.guildId,
    name = 'Inflow Demo Community',
  ): Promise<void> {
    const bound = await this.t.db.repositories.discordGuilds.bindInstall(
      merchant.merchantId,
      guildId,
      name,
      new Date(),
    );
    if (bound.outcome !== 'bound') throw new Error(`guild ${guildId} is bound to another merchant`);
  }

  /** Creates the demo offer (the seed guild's VIP role) through the API, for a merchant whose guild it is. */
  async createSeedOffer(merchant: TestMerchant): Promise<string> {
    const response = await this.request('POST', '/subscription/offer', {
      key: merchant.apiKey,
      body: seedOffer(this.seed.guildId, this.seed.vipRoleId),
    });
    if (response.status !== 201) throw new Error(`the seed offer was refused: ${response.status}`);
    return (response.body as { id: string }).id;
  }

  async request(
    method: string,
    path: string,
    options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers['x-inflow-api-key'] = options.key;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  /** Every job BullMQ holds in one queue under this harness's prefix, with its data. */
  async queuedJobs(queue: string): Promise<Array<{ name: string; data: unknown }>> {
    const reader = new Redis(testEnv.redisUrl);
    try {
      const keys = await reader.keys(`${this.prefix}:${queue}:*`);
      const jobs: Array<{ name: string; data: unknown }> = [];
      for (const key of keys) {
        if ((await reader.type(key)) !== 'hash') continue;
        const job = await reader.hgetall(key);
        if (job.name !== undefined && job.data !== undefined)
          jobs.push({ name: job.name, data: JSON.parse(job.data) as unknown });
      }
      return jobs;
    } finally {
      reader.disconnect();
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.api.close();
    this.redis.disconnect();
    await this.apiDb?.close();
    await this.postgresProxy?.close();
    await this.emulator.stop();
    await this.t.drop();
    await deleteRedisKeys(this.prefix);
  }
}

/** The seed's example offer body for a guild and role. */
export function seedOffer(guildId: string, roleId: string): Record<string, unknown> {
  return {
    name: 'VIP Monthly',
    description: 'The VIP role while you subscribe',
    amountInCents: 999,
    currency: 'EUR',
    interval: 'month',
    intervalCount: 1,
    discordGuildId: guildId,
    discordRoleId: roleId,
  };
}

/** The seed's example event, for an offer. */
export function seedEvent(
  offerId: string,
  overrides: { id?: string; type?: string; occurredAt?: string; status?: string; payment?: unknown } = {},
): Record<string, unknown> {
  return {
    id: overrides.id ?? 'evt_1',
    type: overrides.type ?? 'subscription.created',
    occurredAt: overrides.occurredAt ?? '2026-11-24T10:00:00Z',
    subscription: {
      id: 'sub_1',
      offerId,
      status: overrides.status ?? 'ACTIVE',
      currentPeriodEnd: '2026-12-24T10:00:00Z',
      cancelAtPeriodEnd: false,
      customer: { id: 'cus_1', email: 'a@example.com' },
    },
    ...(overrides.payment === undefined ? {} : { payment: overrides.payment }),
  };
}
