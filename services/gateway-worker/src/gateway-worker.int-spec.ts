import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { IIdentifyThrottler } from '@discordjs/ws';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  DEMO_BOT_PERMISSIONS,
  startEmulator,
  type DemoSeed,
  type DiscordEmulator,
} from '@inflow/discord-emulator';
import {
  createTestDatabase,
  deleteRedisKeys,
  eventually,
  startTcpProxy,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import { composeGatewayWorker, type GatewayWorker, type GatewayWorkerParts } from './compose-gateway-worker';
import { GatewayConnection } from './gateway-connection';
import { createGatewayMetrics } from './gateway-metrics';
import type { RoleSyncRequest } from './role-sync-enqueuer';
import { capturingLogger } from './test/fakes';

// The emulator's identify pacing is relaxed below; the client's own 5 s wait per identify goes too.
const IMMEDIATE_IDENTIFY: IIdentifyThrottler = { waitForIdentify: () => Promise.resolve() };
const HEALTH_DEBOUNCE_MS = 100;

let emulator: DiscordEmulator;
let t: TestDatabase;
let redis: Redis;
const prefixes: string[] = [];

// Per test: its own Redis prefix, guild, merchant and worker.
let prefix: string;
let seed: DemoSeed;
let merchantId: string;
let worker: GatewayWorker | undefined;
let log: ReturnType<typeof capturingLogger>;
let registry: Registry;
const connections: GatewayConnection[] = [];
let guildsToLeave: string[] = [];

function workerEnv(overrides: Partial<GatewayWorkerParts['env']> = {}): GatewayWorkerParts['env'] {
  return {
    REDIS_URL: testEnv.redisUrl,
    QUEUE_PREFIX: prefix,
    DISCORD_API_URL: emulator.apiBaseUrl,
    DISCORD_GATEWAY_URL: undefined,
    DISCORD_BOT_TOKEN: emulator.botToken,
    DISCORD_CLIENT_ID: emulator.applicationId,
    DISCORD_GLOBAL_RATE_LIMIT: 50,
    SHARD_COUNT: undefined,
    SHARD_IDS: undefined,
    ...overrides,
  };
}

async function startWorker(overrides: Partial<GatewayWorkerParts['env']> = {}): Promise<GatewayWorker> {
  worker = composeGatewayWorker({
    env: workerEnv(overrides),
    db: t.db,
    logger: log.logger,
    registry,
    events: { healthDebounceMs: HEALTH_DEBOUNCE_MS, eventRetryMs: 50 },
    identifyThrottler: IMMEDIATE_IDENTIFY,
  });
  await worker.start();
  const started = worker;
  await eventually(() => started.connection.readiness(), 10_000);
  return started;
}

/** A bare connection, for the failures that stop it before any event. */
function connect(options: { token: string; gatewayUrl?: string }): GatewayConnection {
  const connection = new GatewayConnection({
    token: options.token,
    apiBaseUrl: emulator.apiBaseUrl,
    gatewayUrl: options.gatewayUrl,
    onDispatch: () => undefined,
    logger: log.logger,
    metrics: createGatewayMetrics(registry),
    identifyThrottler: IMMEDIATE_IDENTIFY,
  });
  connections.push(connection);
  connection.start();
  return connection;
}

/** The role-sync.member jobs BullMQ holds under the test's prefix, read from its job hashes. */
async function roleSyncJobs(): Promise<RoleSyncRequest[]> {
  const jobs: RoleSyncRequest[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:role-sync:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== 'hash') continue;
      const job = await redis.hgetall(key);
      if (job.name === 'role-sync.member' && job.data !== undefined)
        jobs.push(JSON.parse(job.data) as RoleSyncRequest);
    }
  } while (cursor !== '0');
  return jobs;
}

async function jobsFor(userId: string): Promise<RoleSyncRequest[]> {
  return (await roleSyncJobs()).filter((job) => job.guildId === seed.guildId && job.userId === userId);
}

async function linkDiscordUser(userId: string, externalId: string): Promise<void> {
  const customerId = await t.db.repositories.customers.upsert(merchantId, externalId, null);
  await t.sql('INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)', [
    merchantId,
    customerId,
    userId,
  ]);
}

async function guildRow(guildId: string) {
  const rows = await t.sql<{ install_status: string; health_status: string; name: string }>(
    'SELECT install_status, health_status, name FROM discord_guild WHERE guild_id = $1',
    [guildId],
  );
  return rows[0];
}

async function openAlerts(guildId: string): Promise<string[]> {
  const rows = await t.sql<{ kind: string }>(
    'SELECT kind FROM merchant_alert WHERE guild_id = $1 AND resolved_at IS NULL ORDER BY kind',
    [guildId],
  );
  return rows.map((row) => row.kind);
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return (
    values.find((entry) =>
      Object.entries(labels).every(
        ([key, value]) => String((entry.labels as Record<string, unknown>)[key]) === value,
      ),
    )?.value ?? 0
  );
}

// A snowflake whose timestamp puts the guild on `shard` of `count`: shard = (id >> 22) % count.
let nextTimestamp = 360_000_000_000;
function guildIdOnShard(shard: number, count: number): string {
  while (nextTimestamp % count !== shard) nextTimestamp += 1;
  const id = (BigInt(nextTimestamp) << 22n) | 7n;
  nextTimestamp += 1;
  return id.toString();
}

beforeAll(async () => {
  emulator = await startEmulator({ identify: { maxConcurrency: 16, intervalMs: 0 }, resumeWindowMs: 30_000 });
  t = await createTestDatabase();
  redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis.disconnect();
  await t.drop();
  await emulator.stop();
  for (const used of prefixes) await deleteRedisKeys(used);
});

beforeEach(async () => {
  prefix = uniqueRedisPrefix('gateway');
  prefixes.push(prefix);
  log = capturingLogger();
  registry = new Registry();
  seed = emulator.state.seedDemo();
  guildsToLeave = [seed.guildId];
  const repos = t.db.repositories;
  merchantId = (
    await repos.merchants.createWithApiKey('Gateway Test', {
      keyHash: createHash('sha256').update(prefix).digest(),
      keyPrefix: prefix.slice(-12),
    })
  ).merchant.id;
  await repos.discordGuilds.bindInstall(merchantId, seed.guildId, 'Inflow Demo Community', new Date());
  await repos.offers.create(merchantId, {
    name: 'VIP',
    description: null,
    amountInCents: 999,
    currency: 'EUR',
    billingInterval: 'month',
    intervalCount: 1,
    discordGuildId: seed.guildId,
    discordRoleId: seed.vipRoleId,
    gracePeriodDays: 0,
  });
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  emulator.state.setPrivilegedIntents({ guildMembers: true });
  // Guilds of earlier tests must not send this file's later workers their GUILD_CREATEs.
  for (const guildId of guildsToLeave) {
    if (emulator.state.guild(guildId)?.members.has(emulator.botUserId)) emulator.state.removeBot(guildId);
  }
});

describe('member events', () => {
  it('queues a role sync when a linked user joins, and none for an unlinked one', async () => {
    const [, , carol] = seed.userIds as [string, string, string];
    const stranger = emulator.state.createUser({ username: 'stranger' }).id;
    await linkDiscordUser(carol, 'cus_carol');
    await startWorker();

    emulator.state.joinGuild(seed.guildId, stranger);
    emulator.state.joinGuild(seed.guildId, carol, { roles: [seed.memberRoleId] });

    await eventually(async () =>
      expect(await jobsFor(carol)).toEqual([{ guildId: seed.guildId, userId: carol, reason: 'member-join' }]),
    );
    const seen = await t.db.repositories.discordMembers.find(seed.guildId, carol);
    expect(seen).toMatchObject({ presence: 'member', rolesSeen: [seed.memberRoleId] });
    // The stranger joined first, so a job for them would be there by now.
    expect(await jobsFor(stranger)).toEqual([]);
    expect(await t.db.repositories.discordMembers.find(seed.guildId, stranger)).toMatchObject({
      presence: 'member',
    });
  });

  it("records a moderator's change of a linked member's roles and queues the sync that heals it", async () => {
    const [alice] = seed.userIds as [string];
    await startWorker();
    // Linked after the connect, so that GUILD_CREATE's catch-up sync does not hold alice's job id.
    await linkDiscordUser(alice, 'cus_alice');

    emulator.state.setMemberRoles(seed.guildId, alice, []);

    await eventually(async () =>
      expect(await jobsFor(alice)).toEqual([
        { guildId: seed.guildId, userId: alice, reason: 'member-update' },
      ]),
    );
    expect(await t.db.repositories.discordMembers.find(seed.guildId, alice)).toMatchObject({
      presence: 'member',
      rolesSeen: [],
    });
  });

  it('marks a member who leaves absent and their grants no longer applied', async () => {
    const [alice] = seed.userIds as [string];
    await linkDiscordUser(alice, 'cus_alice_leaves');
    await t.db.repositories.discordMembers.recordSeen(
      seed.guildId,
      alice,
      'member',
      [seed.vipRoleId],
      new Date(0),
    );
    await t.db.repositories.roleGrants.write(merchantId, seed.guildId, alice, seed.vipRoleId, {
      desired: true,
      applied: true,
      syncState: 'synced',
      lastError: null,
      lastErrorCode: null,
    });
    await startWorker();

    emulator.state.leaveGuild(seed.guildId, alice);

    await eventually(async () => {
      const [grant] = await t.db.repositories.roleGrants.listForMember(seed.guildId, alice);
      expect(grant).toMatchObject({ applied: false, desired: true, syncState: 'pending' });
    });
    expect(await t.db.repositories.discordMembers.find(seed.guildId, alice)).toMatchObject({
      presence: 'absent',
      rolesSeen: null,
    });
  });
});

describe('Redis outage', () => {
  it('writes the role sync to the Postgres outbox while Redis is unreachable', async () => {
    const [, , carol] = seed.userIds as [string, string, string];
    await linkDiscordUser(carol, 'cus_carol_outage');
    const target = new URL(testEnv.redisUrl);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    try {
      await startWorker({ REDIS_URL: proxy.urlFor(testEnv.redisUrl) });
      await proxy.outage();

      emulator.state.joinGuild(seed.guildId, carol);

      await eventually(async () => {
        const rows = await t.sql<{ job_name: string; payload: unknown }>(
          `SELECT job_name, payload FROM outbox WHERE payload->>'userId' = $1`,
          [carol],
        );
        expect(rows).toEqual([
          {
            job_name: 'role-sync.member',
            payload: { guildId: seed.guildId, userId: carol, reason: 'member-join' },
          },
        ]);
      });
      expect(await jobsFor(carol)).toEqual([]);
    } finally {
      await worker?.close();
      worker = undefined;
      await proxy.close();
    }
  });
});

describe('installation and health', () => {
  it('marks the guild removed when the bot is removed', async () => {
    await startWorker();
    emulator.state.removeBot(seed.guildId);
    await eventually(async () =>
      expect(await guildRow(seed.guildId)).toMatchObject({ install_status: 'removed' }),
    );
  });

  it('alerts the merchant when the bot role drops below an offer role, and re-syncs held members once it is back', async () => {
    const [alice] = seed.userIds as [string];
    await startWorker();
    await eventually(async () =>
      expect(await metricValue('gateway_guild_health_checks_total', { outcome: 'healthy' })).toBe(1),
    );

    emulator.state.moveBotRole(seed.guildId, 1);

    await eventually(async () =>
      expect(await guildRow(seed.guildId)).toMatchObject({ health_status: 'needs_action' }),
    );
    expect(await openAlerts(seed.guildId)).toEqual(['offer_role_above_bot']);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'merchant alert opened', kind: 'offer_role_above_bot' }),
    );
    // What the role-sync worker records when a grant runs into the hierarchy problem.
    await t.db.repositories.discordMembers.recordSeen(seed.guildId, alice, 'member', [], new Date());
    await t.db.repositories.roleGrants.write(merchantId, seed.guildId, alice, seed.vipRoleId, {
      desired: true,
      applied: false,
      syncState: 'needs_action',
      lastError: 'Missing Permissions',
      lastErrorCode: 50013,
    });
    expect(await jobsFor(alice)).toEqual([]);

    emulator.state.moveBotRole(seed.guildId, emulator.state.guild(seed.guildId)!.roles.size - 1);

    await eventually(async () =>
      expect(await guildRow(seed.guildId)).toMatchObject({ health_status: 'healthy' }),
    );
    expect(await openAlerts(seed.guildId)).toEqual([]);
    await eventually(async () =>
      expect(await jobsFor(alice)).toEqual([{ guildId: seed.guildId, userId: alice, reason: 'drift' }]),
    );
  });

  it('gathers a burst of role edits into a few checks, not one per edit', async () => {
    await startWorker();
    await eventually(async () =>
      expect(await metricValue('gateway_guild_health_checks_total', { outcome: 'healthy' })).toBe(1),
    );
    const rolesRoute = `/guilds/${seed.guildId}/roles`;
    const requestsBefore = emulator.stats.requests({ route: rolesRoute }).length;

    for (let index = 0; index < 10; index += 1) {
      emulator.state.updateRole(seed.guildId, seed.memberRoleId, { name: `Member ${index}` });
    }

    await eventually(async () =>
      expect(await metricValue('gateway_guild_health_checks_total', { outcome: 'healthy' })).toBe(2),
    );
    await new Promise((resolve) => setTimeout(resolve, HEALTH_DEBOUNCE_MS * 3));
    expect(emulator.stats.requests({ route: rolesRoute }).length - requestsBefore).toBe(1);
  });
});

describe('connection', () => {
  it('resumes after a dropped connection and still delivers the events of the gap', async () => {
    const [, , carol] = seed.userIds as [string, string, string];
    await linkDiscordUser(carol, 'cus_carol_resume');
    const running = await startWorker();

    expect(emulator.faults.dropGatewayConnections()).toBe(1);
    // Sent while the socket is down: the session replays it on RESUME.
    emulator.state.joinGuild(seed.guildId, carol);

    await eventually(async () =>
      expect(await jobsFor(carol)).toEqual([{ guildId: seed.guildId, userId: carol, reason: 'member-join' }]),
    );
    await eventually(() => running.connection.readiness());
    expect(await metricValue('gateway_reconnects_total', { shard: '0', kind: 'resume' })).toBe(1);
    expect(await metricValue('gateway_reconnects_total', { shard: '0', kind: 'identify' })).toBe(0);
  });

  it('stops after close 4004 (bad token), says what to fix and keeps readiness failing without reconnecting', async () => {
    const connection = connect({ token: 'not-the-bot-token', gatewayUrl: emulator.gatewayUrl });

    await eventually(() => expect(connection.failed?.closeCode).toBe(4004));
    await expect(connection.readiness()).rejects.toThrow(/DISCORD_BOT_TOKEN/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await metricValue('gateway_closes_total', { code: '4004' })).toBe(1);
    expect(emulator.gatewayCounts().connections).toBe(0);
    const errors = log.lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ closeCode: 4004, msg: expect.stringMatching(/4004.*not reconnecting$/) }),
    ]);
  });

  it('stops when GET /gateway/bot refuses the token (401), without touching the gateway', async () => {
    const connection = connect({ token: 'not-the-bot-token' });

    await eventually(() =>
      expect(connection.failed).toMatchObject({ closeCode: null, message: expect.stringContaining('401') }),
    );
    await expect(connection.readiness()).rejects.toThrow(/DISCORD_BOT_TOKEN/);
    expect(emulator.gatewayCounts().connections).toBe(0);
  });

  it('stops after close 4014 and names the Server Members intent', async () => {
    emulator.state.setPrivilegedIntents({ guildMembers: false });
    const connection = connect({ token: emulator.botToken });

    await eventually(() => expect(connection.failed?.closeCode).toBe(4014));
    await expect(connection.readiness()).rejects.toThrow(/Server Members Intent/);
  });

  it('with SHARD_COUNT=2 and SHARD_IDS=0 sees only the guilds of shard 0', async () => {
    const onShard0 = guildIdOnShard(0, 2);
    const onShard1 = guildIdOnShard(1, 2);
    for (const guildId of [onShard0, onShard1]) {
      emulator.state.createGuild({ id: guildId, name: `Guild ${guildId}`, ownerId: seed.ownerId });
      emulator.state.installBot(guildId, { permissions: DEMO_BOT_PERMISSIONS, placement: 'top' });
      await t.db.repositories.discordGuilds.bindInstall(merchantId, guildId, 'stale name', new Date());
      guildsToLeave.push(guildId);
    }
    const botGuildsOnShard0 = emulator.state
      .botGuilds()
      .filter((guild) => (BigInt(guild.id) >> 22n) % 2n === 0n).length;

    await startWorker({ SHARD_COUNT: 2, SHARD_IDS: [0] });

    await eventually(async () =>
      expect(await guildRow(onShard0)).toMatchObject({ name: `Guild ${onShard0}` }),
    );
    expect(await metricValue('gateway_events_total', { type: 'GUILD_CREATE' })).toBe(botGuildsOnShard0);
    expect(await guildRow(onShard1)).toMatchObject({ name: 'stale name' });
    // An event of shard 1 goes to whichever replica holds shard 1, not here.
    emulator.state.updateGuild(onShard1, { name: 'renamed' });
    emulator.state.updateGuild(onShard0, { name: 'renamed' });
    await eventually(async () =>
      expect(await metricValue('gateway_events_total', { type: 'GUILD_UPDATE' })).toBe(1),
    );
  });
});
