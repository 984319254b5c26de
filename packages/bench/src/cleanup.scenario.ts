import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QUEUE_NAMES } from '@inflow/contracts';
import { Database } from '@inflow/db';
import { createProducer, createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import { createTestDatabase, deleteRedisKeys, testEnv, type TestDatabase } from '@inflow/testing';
import {
  ACCESS_ENDED_CURSOR,
  CleanupSweepService,
  type CleanupSweepOptions,
} from '../../../services/cleanup-worker/src/cleanup-sweep.service';
import { RedisDriftPosition } from '../../../services/cleanup-worker/src/drift-position';
import { createMerchant } from './bench-world';
import { diagnostics, figure, type ScenarioReport } from './report';
import type { ScenarioContext } from './scenario-context';
import { round } from './series';
import {
  CUSTOMER_COLUMNS,
  LINK_COLUMNS,
  seedRows,
  SUBSCRIPTION_COLUMNS,
  type SeedPlan,
} from './subscription-seed';
import { barChartSvg } from './svg-chart';

const DUE = 10_000;
const SIZES = [100_000, 1_000_000] as const;
const SWEEPS_PER_SIZE = 3;
const GUILDS = 100;
const GRACE_DAYS = 3;
const WINDOW_MS = 10 * 60_000;
/** The cleanup-worker's defaults (its env.ts): what a deployed sweep uses. */
const PRODUCT_DEFAULTS = {
  intervalMs: 300_000,
  commitMarginMs: 30_000,
  pageSize: 1_000,
  driftMaxAgeMs: 86_400_000,
  driftBatchLimit: 5_000,
};
const BATCH = 5_000;

interface SweepTiming {
  totalMs: number;
  postgresMs: number;
  redisMs: number;
  members: number;
  waiting: number;
  /** Entries of subscription's primary-key index the sweep's queries read (Postgres' own counter). */
  primaryKeyEntries: number;
  /** Blocks of the subscription table the sweep touched, from cache or disk. */
  heapBlocks: number;
}

interface TableCounters {
  scans: number;
  primaryKeyEntries: number;
  heapBlocks: number;
}

async function tableCounters(t: TestDatabase): Promise<TableCounters> {
  const [row] = await t.sql<{ scans: string; pkey: string; heap: string }>(
    `SELECT (SELECT sum(idx_scan)::text FROM pg_stat_user_indexes WHERE relname = 'subscription') AS scans,
            (SELECT idx_tup_read::text FROM pg_stat_user_indexes WHERE indexrelname = 'subscription_pkey') AS pkey,
            (SELECT (heap_blks_read + heap_blks_hit)::text FROM pg_statio_user_tables WHERE relname = 'subscription') AS heap`,
  );
  return {
    scans: Number(row?.scans ?? 0),
    primaryKeyEntries: Number(row?.pkey ?? 0),
    heapBlocks: Number(row?.heap ?? 0),
  };
}

/** The counters once the sweep's backend reported them (a closed backend reports at exit; give it a moment). */
async function countersAfter(t: TestDatabase, before: TableCounters): Promise<TableCounters> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await tableCounters(t);
    if (now.scans > before.scans || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface SizeResult {
  size: number;
  seedSeconds: number;
  sweeps: SweepTiming[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Loads `size` customers, links and subscriptions with COPY, three streams side by side. Foreign-key
 * triggers are off for these sessions (`session_replication_role = replica`, as a restore does): the rows
 * are consistent by construction, and checking them one by one would make seeding, not the sweep, the
 * slow part of the bench. Then VACUUM ANALYZE, the state autovacuum keeps a real table in.
 */
export async function seed(
  t: TestDatabase,
  plan: SeedPlan,
  size: number,
  onProgress: (done: number) => void,
): Promise<void> {
  const tables = [
    { name: 'customer', columns: CUSTOMER_COLUMNS },
    { name: 'discord_link', columns: LINK_COLUMNS },
    { name: 'subscription', columns: SUBSCRIPTION_COLUMNS },
  ];
  const clients = tables.map(() => new Client({ connectionString: t.url }));
  try {
    for (const client of clients) {
      await client.connect();
      await client.query('SET session_replication_role = replica');
    }
    const streams = tables.map((table, k) =>
      clients[k]!.query(copyFrom(`COPY ${table.name} (${table.columns.join(', ')}) FROM STDIN`)),
    );
    const finished = streams.map((stream) => once(stream, 'finish'));
    for (let start = 0; start < size; start += BATCH) {
      const end = Math.min(size, start + BATCH);
      const chunks: string[][] = tables.map(() => []);
      for (let i = start; i < end; i += 1) {
        const rows = seedRows(i, plan);
        chunks[0]!.push(rows.customer);
        chunks[1]!.push(rows.link);
        chunks[2]!.push(rows.subscription);
      }
      await Promise.all(streams.map((stream, k) => write(stream, `${chunks[k]!.join('\n')}\n`)));
      onProgress(end);
    }
    for (const stream of streams) stream.end();
    await Promise.all(finished);
    await clients[0]!.query('VACUUM ANALYZE customer, discord_link, subscription');
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

async function sweepOnce(
  t: TestDatabase,
  runId: string,
  label: string,
  now: Date,
  from: Date,
): Promise<SweepTiming> {
  const prefix = `bench:${runId}:cleanup:${label}`;
  const redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'bench-cleanup' });
  try {
    await waitUntilRedisReady(redis, 5_000);
    const producer = createProducer(QUEUE_NAMES.roleSync, { connection: redis, prefix });
    // The sweep's own connection pool (the product's default size): closing it after the sweep makes its
    // backends report their statistics, which is how the reads are counted.
    const probe = await Database.connect({ url: t.url, applicationName: 'bench-cleanup-sweep' });
    const repos = probe.repositories;
    let postgresMs = 0;
    let redisMs = 0;
    // Pass-through timers around the two things a sweep does: read a page, enqueue it.
    const subscriptions: CleanupSweepOptions['subscriptions'] = {
      accessEndedPage: async (...args) => {
        const began = performance.now();
        try {
          return await repos.subscriptions.accessEndedPage(...args);
        } finally {
          postgresMs += performance.now() - began;
        }
      },
    };
    const roleSync: CleanupSweepOptions['roleSync'] = {
      addBulk: async (jobs) => {
        const began = performance.now();
        try {
          return await producer.addBulk(jobs);
        } finally {
          redisMs += performance.now() - began;
        }
      },
    };
    const service = new CleanupSweepService({
      ...PRODUCT_DEFAULTS,
      subscriptions,
      sweepCursors: repos.sweepCursors,
      discordMembers: repos.discordMembers,
      driftPosition: new RedisDriftPosition(redis, `${prefix}:cleanup-worker:drift-position`),
      roleSync,
    });
    await repos.sweepCursors.set(ACCESS_ENDED_CURSOR, from);
    await probe.ping();
    const before = await tableCounters(t);
    const began = performance.now();
    const result = await service.sweep(now);
    const totalMs = performance.now() - began;
    await probe.close();
    const after = await countersAfter(t, before);
    const queue = new Queue(QUEUE_NAMES.roleSync, { connection: redis, prefix });
    const waiting = await queue.getWaitingCount();
    await queue.close();
    await producer.close();
    return {
      totalMs,
      postgresMs,
      redisMs,
      members: result.members,
      waiting,
      primaryKeyEntries: after.primaryKeyEntries - before.primaryKeyEntries,
      heapBlocks: after.heapBlocks - before.heapBlocks,
    };
  } finally {
    await deleteRedisKeys(prefix, testEnv.redisUrl);
    redis.disconnect();
  }
}

async function measureSize(context: ScenarioContext, runId: string, size: number): Promise<SizeResult> {
  const t = await createTestDatabase();
  try {
    const merchant = await createMerchant(t, 'Bench Cleanup Shop');
    const now = new Date();
    const offerIds: string[] = [];
    for (let g = 0; g < GUILDS; g += 1) {
      const guildId = (1_300_000_000_000_000_000n + BigInt(g)).toString();
      await t.db.repositories.discordGuilds.bindInstall(
        merchant.merchantId,
        guildId,
        `Cleanup Guild ${g}`,
        now,
      );
      const offer = await t.db.repositories.offers.create(merchant.merchantId, {
        name: `VIP ${g}`,
        description: null,
        amountInCents: 999,
        currency: 'EUR',
        billingInterval: 'month',
        intervalCount: 1,
        discordGuildId: guildId,
        discordRoleId: (1_310_000_000_000_000_000n + BigInt(g)).toString(),
        gracePeriodDays: GRACE_DAYS,
      });
      offerIds.push(offer.id);
    }
    const to = new Date(now.getTime() - PRODUCT_DEFAULTS.commitMarginMs);
    const from = new Date(to.getTime() - WINDOW_MS);
    const plan: SeedPlan = {
      merchantId: merchant.merchantId,
      offerIds,
      gracePeriodDays: GRACE_DAYS,
      window: { from, to },
      now,
      dueEvery: size / DUE,
    };
    const seedBar = context.progress(`cleanup: COPY ${size.toLocaleString('en')} subscriptions`, size);
    const seedStarted = performance.now();
    await seed(t, plan, size, (done) => seedBar.update(done));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    seedBar.finish(size, `${round(seedSeconds, 1)} s with VACUUM ANALYZE`);
    const sweeps: SweepTiming[] = [];
    const sweepBar = context.progress(`cleanup: sweeps over ${size.toLocaleString('en')}`, SWEEPS_PER_SIZE);
    for (let run = 1; run <= SWEEPS_PER_SIZE; run += 1) {
      sweeps.push(await sweepOnce(t, runId, `${size}-${run}`, now, from));
      sweepBar.update(run, `${round(sweeps.at(-1)!.totalMs, 0)} ms`);
    }
    sweepBar.finish(SWEEPS_PER_SIZE, sweeps.map((s) => `${round(s.totalMs, 0)} ms`).join(', '));
    return { size, seedSeconds, sweeps };
  } finally {
    await t.drop();
  }
}

/**
 * Scenario 5: one access-ended sweep (the cleanup-worker's CleanupSweepService, in this process, on the
 * product's defaults) over 100,000 and over 1,000,000 subscriptions with the same 10,000 due, each in a
 * database of its own. Every sweep starts from the same cursor and enqueues into a fresh queue prefix, so
 * none is cheapened by jobs a previous one left to collapse into.
 */
export async function runCleanup(context: ScenarioContext, runId: string): Promise<ScenarioReport> {
  const results: SizeResult[] = [];
  for (const size of SIZES) results.push(await measureSize(context, runId, size));
  const [small, large] = results as [SizeResult, SizeResult];
  const seconds = (result: SizeResult, pick: (s: SweepTiming) => number) =>
    median(result.sweeps.map(pick)) / 1000;
  const largeTotal = seconds(large, (s) => s.totalMs);
  const smallTotal = seconds(small, (s) => s.totalMs);
  const plot = context.writePlot(
    'cleanup.svg',
    barChartSvg({
      title: `One cleanup sweep, ${DUE.toLocaleString('en')} due (median of ${SWEEPS_PER_SIZE})`,
      yLabel: 'seconds',
      categories: results.map((r) => `${r.size.toLocaleString('en')} subscriptions`),
      series: [
        {
          name: 'whole sweep',
          values: results.map((r) =>
            round(
              seconds(r, (s) => s.totalMs),
              2,
            ),
          ),
        },
        {
          name: 'Postgres pages',
          values: results.map((r) =>
            round(
              seconds(r, (s) => s.postgresMs),
              2,
            ),
          ),
        },
        {
          name: 'Redis addBulk',
          values: results.map((r) =>
            round(
              seconds(r, (s) => s.redisMs),
              2,
            ),
          ),
        },
      ],
      horizontal: [{ value: 10, label: 'target 10 s' }],
    }),
  );
  const lastLarge = large.sweeps.at(-1)!;
  return {
    id: 5,
    title: 'Cleanup at scale',
    plots: [plot],
    notes: [],
    settings: {
      due: DUE,
      guilds: GUILDS,
      sweepsPerSize: SWEEPS_PER_SIZE,
      windowMinutes: WINDOW_MS / 60_000,
      pageSize: PRODUCT_DEFAULTS.pageSize,
      seed: 'COPY customer, discord_link, subscription (FK triggers off), then VACUUM ANALYZE',
      seedSeconds100k: round(small.seedSeconds, 1),
      seedSeconds1M: round(large.seedSeconds, 1),
      sweepsMs100k: small.sweeps.map((s) => round(s.totalMs, 0)).join(', '),
      sweepsMs1M: large.sweeps.map((s) => round(s.totalMs, 0)).join(', '),
    },
    figures: [
      figure('sweep over 1,000,000 subscriptions', round(largeTotal, 2), 's', { op: '<=', value: 10 }),
      figure('jobs enqueued by that sweep', lastLarge.waiting, '', { op: '==', value: DUE }),
      figure('sweep over 100,000 subscriptions', round(smallTotal, 2), 's'),
      figure('1,000,000 ÷ 100,000 sweep time', round(largeTotal / smallTotal, 2), '×', {
        op: '<=',
        value: 1.5,
      }),
      ...diagnostics([
        figure(
          '1,000,000: Postgres share',
          round(
            seconds(large, (s) => s.postgresMs),
            2,
          ),
          's',
        ),
        figure(
          '1,000,000: Redis share',
          round(
            seconds(large, (s) => s.redisMs),
            2,
          ),
          's',
        ),
        figure(
          '100,000: subscription primary-key entries read',
          median(small.sweeps.map((s) => s.primaryKeyEntries)),
          '',
        ),
        figure(
          '1,000,000: subscription primary-key entries read',
          median(large.sweeps.map((s) => s.primaryKeyEntries)),
          '',
        ),
        figure('100,000: subscription blocks touched', median(small.sweeps.map((s) => s.heapBlocks)), ''),
        figure('1,000,000: subscription blocks touched', median(large.sweeps.map((s) => s.heapBlocks)), ''),
      ]),
    ],
  };
}
