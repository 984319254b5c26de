import { randomBytes } from 'node:crypto';
import {
  startEmulator,
  type DemoSeed,
  type DiscordEmulator,
  type EmulatorOptions,
} from '@inflow/discord-emulator';
import type { Database } from '@inflow/db';
import { serviceNodeFlags } from '@inflow/service-runtime';
import {
  createTestDatabase,
  deleteRedisKeys,
  freePort,
  startNode,
  testEnv,
  uniqueRedisPrefix,
  waitForStatus,
  type RunningProcess,
  type TestDatabase,
} from '@inflow/testing';

export const SERVICE_NAMES = [
  'api',
  'gateway-worker',
  'role-sync-worker',
  'notification-worker',
  'cleanup-worker',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface StackOptions {
  services: readonly ServiceName[];
  emulator?: EmulatorOptions;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** The Redis the services use (e.g. a private redis-server or a cuttable proxy). Default: the test Redis. */
  redisUrl?: string;
  /** Maps the test database's URL to the one services connect to (e.g. through a cuttable proxy). */
  serviceDatabaseUrl?: (url: string) => string;
}

export interface HttpResult {
  status: number;
  body: unknown;
}

/**
 * The product as it runs: the built services as child processes, a database and a Redis prefix of
 * their own, and the Discord emulator in the test process (so the test reads and changes Discord's
 * state directly).
 */
export class Stack {
  readonly processes = new Map<ServiceName, RunningProcess>();
  readonly ports = new Map<ServiceName, number>();
  seed!: DemoSeed;
  private env: Record<string, string> = {};

  private constructor(
    readonly t: TestDatabase,
    readonly emulator: DiscordEmulator,
    readonly prefix: string,
  ) {}

  static async start(options: StackOptions): Promise<Stack> {
    const t = await createTestDatabase();
    const apiPort = await freePort();
    const publicUrl = `http://127.0.0.1:${apiPort}`;
    const emulator = await startEmulator({
      redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
      ...options.emulator,
    });
    const stack = new Stack(t, emulator, uniqueRedisPrefix('e2e'));
    stack.seed = emulator.state.seedDemo();
    stack.ports.set('api', apiPort);
    stack.env = {
      DATABASE_URL: options.serviceDatabaseUrl?.(t.url) ?? t.url,
      REDIS_URL: options.redisUrl ?? testEnv.redisUrl,
      QUEUE_PREFIX: stack.prefix,
      LOG_LEVEL: 'info',
      PUBLIC_URL: publicUrl,
      DISCORD_API_URL: emulator.apiBaseUrl,
      DISCORD_OAUTH_AUTHORIZE_URL: emulator.authorizeUrl,
      DISCORD_GATEWAY_URL: emulator.gatewayUrl,
      DISCORD_BOT_TOKEN: emulator.botToken,
      DISCORD_CLIENT_ID: emulator.applicationId,
      DISCORD_CLIENT_SECRET: emulator.clientSecret,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CLEANUP_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...options.env,
    };
    for (const name of options.services) await stack.startService(name);
    return stack;
  }

  get db(): Database {
    return this.t.db;
  }

  get guildId(): string {
    return this.seed.guildId;
  }

  /** Starts (or restarts) one service and waits until it reports ready. */
  async startService(name: ServiceName, extraEnv: Record<string, string> = {}): Promise<RunningProcess> {
    const port = this.ports.get(name) ?? (await freePort());
    this.ports.set(name, port);
    const child = startNode([...serviceNodeFlags(name), `services/${name}/dist/main.js`], {
      ...this.env,
      ...extraEnv,
      PORT: String(port),
    });
    this.processes.set(name, child);
    try {
      await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30_000);
    } catch (error) {
      throw new Error(
        `${name} did not become ready:\n${[...child.stdout, ...child.stderr].slice(-30).join('\n')}`,
        { cause: error },
      );
    }
    return child;
  }

  /** Kills a service the hard way (SIGKILL): no graceful shutdown, jobs in flight are abandoned. */
  async kill(name: ServiceName): Promise<void> {
    const child = this.processes.get(name);
    if (child === undefined) return;
    child.child.kill('SIGKILL');
    await child.exited;
  }

  async api(method: string, path: string, key: string, body?: unknown): Promise<HttpResult> {
    const response = await fetch(`http://127.0.0.1:${this.ports.get('api')}${path}`, {
      method,
      headers: {
        'x-inflow-api-key': key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  roles(userId: string): string[] {
    return this.emulator.state.memberRoles(this.guildId, userId) ?? [];
  }

  /** Every log line of a service so far, for failure messages. */
  logs(name: ServiceName): string {
    const child = this.processes.get(name);
    return child === undefined ? '' : [...child.stdout, ...child.stderr].join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((child) => child.stop(15_000)));
    await this.emulator.stop();
    await this.t.drop();
    await deleteRedisKeys(this.prefix, this.env.REDIS_URL);
  }
}
