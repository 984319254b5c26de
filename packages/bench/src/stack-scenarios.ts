import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchStack } from './bench-stack';
import { createMerchant, seedDatabase, seedEmulator, type WorldSize } from './bench-world';
import { formatProfile, summariseProfile, type CpuProfile } from './cpu-profile';
import { runDrain } from './drain.scenario';
import { runIngest } from './ingest.scenario';
import { runLatency } from './latency.scenario';
import type { BenchEnv, ScenarioId } from './env';
import { serviceMemory, type ProcessMemory } from './memory';
import { diagnostics, figure, type ScenarioReport } from './report';
import { sleep, type ScenarioContext } from './scenario-context';
import { SERVICE_NAMES } from './service-process';
import { round } from './series';
import { barChartSvg } from './svg-chart';

/** Discord's limits as the issue sets them: 50 requests/s per bot token, 10 role changes per 2 s per guild. */
const GLOBAL_LIMIT = 50;
const MEMBER_ROLE_BUCKET = { limit: 10, windowMs: 2_000 };
const REPLICAS = 4;
const MEMORY_TARGET_MB = 150;
const LATENCY_EVENTS_PER_SECOND = 20;

const WORLD: WorldSize = {
  guilds: 100,
  membersPerGuild: { drain: 30, 'drain-replicas': 30, latency: 12 },
};

export interface StackRunOptions {
  env: BenchEnv;
  runId: string;
  selected: readonly ScenarioId[];
}

/**
 * Scenarios 1, 2, 3, 4 and 6 on one stack: every service as a process (one of each, as deployed by
 * default), the emulator with the limits, one merchant with 100 guilds.
 */
export async function runStackScenarios(
  context: ScenarioContext,
  options: StackRunOptions,
): Promise<ScenarioReport[]> {
  const { env, selected } = options;
  const profileDir = join(context.resultsDir, 'api-profile.tmp');
  const reports: ScenarioReport[] = [];
  const roleSyncEnv: Record<string, string> =
    env.BENCH_ROLE_SYNC_CONCURRENCY === undefined
      ? {}
      : { ROLE_SYNC_CONCURRENCY: String(env.BENCH_ROLE_SYNC_CONCURRENCY) };
  const concurrencySetting = env.BENCH_ROLE_SYNC_CONCURRENCY ?? 'product default';

  context.say('starting the stack: emulator, database, five services');
  const stack = await BenchStack.start({
    runId: options.runId,
    logDir: context.resultsDir,
    inherited: { PATH: env.PATH, HOME: env.HOME },
    emulator: { globalRateLimit: GLOBAL_LIMIT, memberRoleBucket: MEMBER_ROLE_BUCKET },
    // One merchant sends everything; its per-key limit must not be what the ingest scenario measures.
    env: { API_RATE_LIMIT_PER_SECOND: '1000000' },
  });
  try {
    const world = seedEmulator(stack.emulator, WORLD);
    for (const name of SERVICE_NAMES) await stack.start(name, name === 'role-sync-worker' ? roleSyncEnv : {});
    const merchant = await createMerchant(stack.t, 'Bench Shop');
    await seedDatabase(stack.t, merchant, world);
    context.say(
      `seeded ${WORLD.guilds} guilds, ${Object.values(world.cohorts).reduce((n, c) => n + c.length, 0)} linked members`,
    );
    // Idle means after start-up: the gateway's first GUILD_CREATEs handled, start-up garbage collectable.
    await sleep(5_000);
    const idle = await serviceMemory(stack);

    if (selected.includes(1) || selected.includes(6)) {
      const drain = await runDrain(context, stack, {
        label: '1 role-sync worker',
        plotFile: 'drain-1-worker.svg',
        members: world.cohorts.drain,
        ceilingPerSecond: GLOBAL_LIMIT,
        stallMs: 30_000,
      });
      const loaded = await serviceMemory(stack);
      if (selected.includes(1)) {
        reports.push({
          id: 1,
          title: 'Drain at the ceiling',
          figures: drain.figures,
          settings: {
            roleChanges: world.cohorts.drain.length,
            guilds: WORLD.guilds,
            globalLimitPerSecond: GLOBAL_LIMIT,
            memberRoleBucket: `${MEMBER_ROLE_BUCKET.limit} per ${MEMBER_ROLE_BUCKET.windowMs} ms per guild`,
            roleSyncWorkers: 1,
            ROLE_SYNC_CONCURRENCY: concurrencySetting,
            trigger: 'role-sync.member outbox rows in one transaction, published by the api relay',
            order: 'interleaved across guilds',
          },
          plots: [drain.plot],
          notes: [],
        });
      }
      if (selected.includes(6)) reports.push(memoryReport(context, idle, loaded));
    }

    if (selected.includes(2)) {
      // The running worker and three more.
      while (stack.running('role-sync-worker').length < REPLICAS)
        await stack.start('role-sync-worker', roleSyncEnv);
      const drain = await runDrain(context, stack, {
        label: `${REPLICAS} role-sync workers`,
        plotFile: 'drain-4-workers.svg',
        members: world.cohorts['drain-replicas'],
        ceilingPerSecond: GLOBAL_LIMIT,
        stallMs: 30_000,
      });
      reports.push({
        id: 2,
        title: `Drain with ${REPLICAS} role-sync workers`,
        figures: drain.figures,
        settings: {
          roleChanges: world.cohorts['drain-replicas'].length,
          guilds: WORLD.guilds,
          roleSyncWorkers: REPLICAS,
          ROLE_SYNC_CONCURRENCY: concurrencySetting,
        },
        plots: [drain.plot],
        notes: [],
      });
      // Back to one worker for scenario 3: the one that was running before, as a deployed worker would be
      // (a worker's first seconds after a start are slower; scenario 3 reports its first 5 s apart).
      await stack.stop('role-sync-worker', 1);
    }

    if (selected.includes(3)) {
      const latency = await runLatency(context, stack, merchant, {
        members: world.cohorts.latency,
        eventsPerSecond: LATENCY_EVENTS_PER_SECOND,
        settleMs: 30_000,
        targetP99Ms: 250,
      });
      reports.push({
        id: 3,
        title: 'Event-to-role latency',
        figures: latency.figures,
        settings: {
          events: world.cohorts.latency.length,
          eventsPerSecond: LATENCY_EVENTS_PER_SECOND,
          event: 'subscription.created for a linked customer whose roles are known',
          measuredFrom: 'POST /events answered',
          measuredTo: 'role PUT answered by the emulator',
          roleSyncWorkers: 1,
          ROLE_SYNC_CONCURRENCY: concurrencySetting,
        },
        plots: latency.plots,
        notes: latency.notes,
      });
    }

    if (selected.includes(4)) {
      for (const name of SERVICE_NAMES) if (name !== 'api') await stack.stop(name);
      if (env.BENCH_PROFILE_API) {
        rmSync(profileDir, { recursive: true, force: true });
        await stack.stop('api');
        await stack.start('api', {}, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
      }
      const ingest = await runIngest(context, stack, merchant, {
        connections: env.BENCH_INGEST_CONNECTIONS,
        durationSeconds: 30,
        warmupSeconds: 5,
        subscriptions: 20_000,
        offerIds: world.guilds.map((guild) => guild.offerId),
        inherited: { PATH: env.PATH, HOME: env.HOME },
      });
      reports.push({
        id: 4,
        title: 'Ingest',
        figures: ingest.figures,
        settings: { ...ingest.settings, apiProfiled: env.BENCH_PROFILE_API },
        plots: [ingest.plot],
        notes: [],
      });
    }
  } finally {
    await stack.close();
  }
  const ingest = reports.find((report) => report.id === 4);
  if (env.BENCH_PROFILE_API && ingest !== undefined) {
    // The api writes its profile when it exits, which stack.close() just waited for.
    const profiles = readdirSync(profileDir).filter((file) => file.endsWith('.cpuprofile'));
    const newest = profiles.sort().at(-1);
    if (newest !== undefined) {
      const profile = JSON.parse(readFileSync(join(profileDir, newest), 'utf8')) as CpuProfile;
      const lines = formatProfile(summariseProfile(profile));
      writeFileSync(join(context.resultsDir, 'api-profile.txt.tmp'), `${lines.join('\n')}\n`);
      ingest.notes.push('api CPU profile (node --cpu-prof, whole api run incl. warm-up):', ...lines);
    }
  }
  return reports;
}

function memoryReport(
  context: ScenarioContext,
  idle: Map<string, ProcessMemory>,
  loaded: Map<string, ProcessMemory>,
): ScenarioReport {
  const names = [...idle.keys()];
  const rss = (memory: Map<string, ProcessMemory>, name: string) => memory.get(name)?.rssMb ?? 0;
  const plot = context.writePlot(
    'memory.svg',
    barChartSvg({
      title: 'Resident memory per service (VmRSS)',
      yLabel: 'MB',
      categories: names,
      series: [
        { name: 'idle', values: names.map((name) => round(rss(idle, name), 0)) },
        { name: 'after scenario 1', values: names.map((name) => round(rss(loaded, name), 0)) },
      ],
      horizontal: [{ value: MEMORY_TARGET_MB, label: `target < ${MEMORY_TARGET_MB} MB` }],
    }),
  );
  const heap = (name: string) => {
    const after = loaded.get(name);
    return after?.heapTotalMb == null || after.heapUsedMb == null
      ? []
      : diagnostics([
          figure(`${name} V8 heap after scenario 1, committed`, round(after.heapTotalMb, 1), 'MB'),
          figure(`${name} V8 heap after scenario 1, in use`, round(after.heapUsedMb, 1), 'MB'),
          ...(after.externalMb == null
            ? []
            : [
                figure(
                  `${name} memory outside the V8 heap (Buffers), after scenario 1`,
                  round(after.externalMb, 1),
                  'MB',
                ),
              ]),
        ]);
  };
  return {
    id: 6,
    title: 'Memory',
    figures: names.flatMap((name) => [
      figure(`${name} RSS idle`, round(rss(idle, name), 1), 'MB', { op: '<', value: MEMORY_TARGET_MB }),
      figure(`${name} RSS after scenario 1`, round(rss(loaded, name), 1), 'MB', {
        op: '<',
        value: MEMORY_TARGET_MB,
      }),
      ...heap(name),
    ]),
    settings: {
      source: "/proc/<pid>/status VmRSS; V8 heap from each service's /metrics (prom-client default metrics)",
      idle: '5 s after start and seeding',
      after: 'right after scenario 1 settled',
    },
    plots: [plot],
    notes: [],
  };
}
