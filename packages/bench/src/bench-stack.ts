import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from '@inflow/contracts';
import { startEmulator, type DiscordEmulator, type EmulatorOptions } from '@inflow/discord-emulator';
import { createRedisConnection } from '@inflow/queue';
import { createTestDatabase, deleteRedisKeys, freePort, testEnv, type TestDatabase } from '@inflow/testing';
import { startService, type ServiceName, type ServiceProcess } from './service-process';

export interface BenchStackOptions {
  /** Unique per run: the Redis key prefix of this stack starts with it. */
  runId: string;
  /** Where the services' logs go (`<service>-<replica>.log.tmp`). */
  logDir: string;
  emulator: EmulatorOptions;
  /** PATH and HOME for the service processes. */
  inherited: { PATH: string; HOME: string };
  /** Extra environment for every service. */
  env?: Record<string, string>;
}

/**
 * The product as it runs: the built services as processes (any number of replicas), a database cloned from
 * the migrated template and a Redis prefix of their own, and the Discord emulator in the bench process, so
 * the bench reads its request log directly.
 */
export class BenchStack {
  private readonly processes: ServiceProcess[] = [];
  private apiPort = 0;
  private readonly queues = new Map<QueueName, Queue>();
  private queueRedis: Redis | undefined;

  private constructor(
    readonly t: TestDatabase,
    readonly emulator: DiscordEmulator,
    readonly prefix: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  static async start(options: BenchStackOptions): Promise<BenchStack> {
    const t = await createTestDatabase();
    const apiPort = await freePort();
    const publicUrl = `http://127.0.0.1:${apiPort}`;
    const emulator = await startEmulator({
      redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
      ...options.emulator,
    });
    const prefix = `bench:${options.runId}:stack`;
    const env = {
      ...options.inherited,
      DATABASE_URL: t.url,
      REDIS_URL: testEnv.redisUrl,
      QUEUE_PREFIX: prefix,
      // The product's default: what production logs is part of what production costs.
      LOG_LEVEL: 'info',
      PUBLIC_URL: publicUrl,
      DISCORD_API_URL: emulator.apiBaseUrl,
      DISCORD_OAUTH_AUTHORIZE_URL: emulator.authorizeUrl,
      DISCORD_GATEWAY_URL: emulator.gatewayUrl,
      DISCORD_BOT_TOKEN: emulator.botToken,
      DISCORD_CLIENT_ID: emulator.applicationId,
      DISCORD_CLIENT_SECRET: emulator.clientSecret,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ...options.env,
    };
    const stack = new BenchStack(t, emulator, prefix, env, options.logDir);
    stack.apiPort = apiPort;
    return stack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** Starts one more process of `name` and waits until it is ready. */
  async start(
    name: ServiceName,
    extraEnv: Record<string, string> = {},
    nodeArgs: readonly string[] = [],
  ): Promise<ServiceProcess> {
    const replica = this.running(name).length + 1;
    const port = name === 'api' ? this.apiPort : await freePort();
    const started = await startService({
      name,
      replica,
      port,
      env: { ...this.env, ...extraEnv },
      logFile: join(this.logDir, `${name}-${replica}.log.tmp`),
      nodeArgs,
    });
    this.processes.push(started);
    return started;
  }

  /** The running processes of a service (or of every service). */
  running(name?: ServiceName): ServiceProcess[] {
    return this.processes.filter((p) => name === undefined || p.name === name);
  }

  /** Stops a service's processes gracefully, all but the `keep` started first. */
  async stop(name: ServiceName, keep = 0): Promise<void> {
    const stopping = this.running(name).slice(keep);
    await Promise.all(stopping.map((p) => p.stop()));
    for (const p of stopping) this.processes.splice(this.processes.indexOf(p), 1);
  }

  /** Jobs of a queue not finished yet: waiting, active, delayed or prioritized. */
  async queueDepth(queue: QueueName): Promise<number> {
    this.queueRedis ??= createRedisConnection(testEnv.redisUrl, {
      purpose: 'producer',
      name: 'bench-queue-depth',
    });
    let handle = this.queues.get(queue);
    if (handle === undefined) {
      handle = new Queue(queue, { connection: this.queueRedis, prefix: this.prefix });
      this.queues.set(queue, handle);
    }
    return handle.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
  }

  /** Waits until the queue has no unfinished job; resolves with how long that took, or rejects at the deadline. */
  async waitForEmptyQueue(queue: QueueName, timeoutMs: number): Promise<number> {
    const began = Date.now();
    while ((await this.queueDepth(queue)) > 0) {
      if (Date.now() - began > timeoutMs) throw new Error(`queue ${queue} still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - began;
  }

  /** Stops everything and removes the database and every Redis key of the stack. */
  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close();
    this.queueRedis?.disconnect();
    await Promise.all(this.processes.map((p) => p.stop()));
    this.processes.length = 0;
    await this.emulator.stop();
    await this.t.drop();
    await deleteRedisKeys(this.prefix, testEnv.redisUrl);
  }
}
