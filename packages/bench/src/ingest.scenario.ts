import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, repoRoot, startNode, testEnv, typeScriptExecArgv, waitForStatus } from '@inflow/testing';
import type { BenchStack } from './bench-stack';
import { CpuMeter, pidsMatching, type CpuUse } from './cpu-meter';
import { ActivitySampler } from './pg-activity';
import type { Merchant } from './bench-world';
import { IngestEventStream } from './merchant-events';
import { diagnostics, figure, type Figure } from './report';
import { sleep, type ScenarioContext } from './scenario-context';
import { percentile, perSecondCounts, round } from './series';
import { lineChartSvg } from './svg-chart';

export interface IngestOptions {
  connections: number;
  /** Measured seconds against the api; each peer gets half. */
  durationSeconds: number;
  warmupSeconds: number;
  /** Distinct subscriptions the events cycle through. */
  subscriptions: number;
  offerIds: readonly string[];
  inherited: { PATH: string; HOME: string };
}

export interface IngestResult {
  figures: Figure[];
  plot: string;
  settings: Record<string, string | number>;
}

interface LoadRun {
  result: autocannon.Result;
  cpu: CpuUse;
  /** When each response arrived (ms since the epoch). */
  answeredAt: number[];
  latenciesMs: number[];
}

function load(
  context: ScenarioContext,
  label: string,
  options: autocannon.Options,
  expectedPerSecond: number,
  meter: CpuMeter,
): Promise<LoadRun> {
  const duration = Number(options.duration);
  const bar = context.progress(label, Math.round(duration * expectedPerSecond));
  const answeredAt: number[] = [];
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result) => {
      if (error !== null && error !== undefined) {
        reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
        return;
      }
      const cpu = meter.end();
      bar.finish(answeredAt.length, `${Math.round(answeredAt.length / result.duration)}/s`);
      resolve({ result, cpu, answeredAt, latenciesMs });
    });
    meter.begin();
    const started = Date.now();
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      answeredAt.push(Date.now());
      latenciesMs.push(responseTime);
      if (answeredAt.length % 500 === 0) {
        bar.update(answeredAt.length, `${Math.round(answeredAt.length / ((Date.now() - started) / 1000))}/s`);
      }
    });
  });
}

interface DatabaseCounters {
  commits: number;
  rowsWritten: number;
}

async function databaseCounters(stack: BenchStack): Promise<DatabaseCounters> {
  const [row] = await stack.t.sql<{ commits: string; written: string }>(
    `SELECT xact_commit::text AS commits, (tup_inserted + tup_updated + tup_deleted)::text AS written
       FROM pg_stat_database WHERE datname = $1`,
    [stack.t.name],
  );
  return { commits: Number(row?.commits ?? 0), rowsWritten: Number(row?.written ?? 0) };
}

/**
 * How the api's outbox relay batched during the run: rows it published in one transaction share their
 * `published_at` (Postgres' now() is the transaction's start).
 */
async function relayBatches(stack: BenchStack, since: Date): Promise<{ rowsPerTransaction: number }> {
  const [row] = await stack.t.sql<{ rows: string; transactions: string }>(
    `SELECT count(*)::text AS rows, count(DISTINCT published_at)::text AS transactions
       FROM outbox WHERE published_at >= $1`,
    [since],
  );
  const transactions = Number(row?.transactions ?? 0);
  return { rowsPerTransaction: transactions === 0 ? 0 : Number(row?.rows ?? 0) / transactions };
}

function redisPort(): string {
  return new URL(testEnv.redisUrl).port || '6379';
}

/** New events (the run's own ids) cycling through the subscriptions, as a merchant sends them. */
function eventStream(tag: string, options: IngestOptions): IngestEventStream {
  return new IngestEventStream(
    `${tag}${Date.now().toString(36)}`,
    options.offerIds,
    options.subscriptions,
    new Date(),
  );
}

/** autocannon options posting the stream's next event to `<baseUrl>/events` with each request. */
function postEvents(
  baseUrl: string,
  events: IngestEventStream,
  connections: number,
  duration: number,
  headers: Record<string, string>,
): autocannon.Options {
  return {
    url: `${baseUrl}/events`,
    connections,
    duration,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [
      {
        method: 'POST',
        path: '/events',
        setupRequest: (request) => ({ ...request, body: JSON.stringify(events.next()) }),
      },
    ],
  };
}

const HELLO_WORLD = 'bare express hello-world';
const PG_TRANSACTION = 'plain pg-transaction handler';

interface PeerServer {
  /** As the report names it. */
  name: string;
  /** The server's source file in this package, started with `<port>` and `extraArgs`. */
  script: string;
  extraArgs: string[];
  /** A path answering 200 once the server is ready. */
  readyPath: string;
  load: (port: number, duration: number) => autocannon.Options;
  expectedPerSecond: number;
}

/** Starts a peer server as its own process, warms it up, measures it for `durationSeconds`, stops it. */
async function measurePeer(
  context: ScenarioContext,
  peer: PeerServer,
  durationSeconds: number,
  options: IngestOptions,
): Promise<LoadRun> {
  const port = await freePort();
  const server = startNode(
    [
      ...typeScriptExecArgv,
      join(repoRoot, 'packages/bench/src', peer.script),
      String(port),
      ...peer.extraArgs,
    ],
    options.inherited,
  );
  try {
    await waitForStatus(`http://127.0.0.1:${port}${peer.readyPath}`, 200, 15_000);
    const pid = server.child.pid ?? 0;
    const meter = () => new CpuMeter({ [peer.name]: [pid], 'bench process (load generator)': [process.pid] });
    const warmup = peer.load(port, options.warmupSeconds);
    await load(context, `${peer.name} warm-up`, warmup, peer.expectedPerSecond, meter());
    return await load(context, peer.name, peer.load(port, durationSeconds), peer.expectedPerSecond, meter());
  } finally {
    await server.stop(5_000);
  }
}

/**
 * `POST /events` under autocannon, and two peers in the same run for scale: a bare express hello-world
 * (the ratio) and a plain express handler doing one Postgres transaction of four statements per
 * event (what the issue quotes for scale). Only the api runs (the workers are stopped), so the two cores
 * serve the api, Postgres, Redis and the load generator, as they serve each peer and the load generator.
 * Every event is new: recorded, applied, and its notification job written to the outbox and published by
 * the api's relay.
 */
export async function runIngest(
  context: ScenarioContext,
  stack: BenchStack,
  merchant: Merchant,
  options: IngestOptions,
): Promise<IngestResult> {
  const peerSeconds = Math.ceil(options.durationSeconds / 2);
  const helloRun = await measurePeer(
    context,
    {
      name: HELLO_WORLD,
      script: 'hello-world.server.ts',
      extraArgs: [],
      readyPath: '/',
      load: (port, duration) => ({
        url: `http://127.0.0.1:${port}/`,
        connections: options.connections,
        duration,
      }),
      expectedPerSecond: 5_000,
    },
    peerSeconds,
    options,
  );
  const peerEvents = eventStream('peer', options);
  const transactionRun = await measurePeer(
    context,
    {
      name: PG_TRANSACTION,
      script: 'pg-transaction.server.ts',
      extraArgs: [stack.t.url],
      readyPath: '/healthz',
      load: (port, duration) =>
        postEvents(`http://127.0.0.1:${port}`, peerEvents, options.connections, duration, {}),
      expectedPerSecond: 1_500,
    },
    peerSeconds,
    options,
  );

  const apiEvents = eventStream('ingest', options);
  const apiOptions = (duration: number) =>
    postEvents(stack.apiUrl, apiEvents, options.connections, duration, {
      'x-inflow-api-key': merchant.apiKey,
    });
  const apiMeter = () => {
    const backends = pidsMatching('postgres: ', stack.t.name);
    return new CpuMeter({
      api: stack.running('api').map((p) => p.pid),
      'Postgres backends of the bench database': backends,
      // Background writers are shared by every database on the server; other tests' backends land here too.
      'other Postgres processes (server-wide)': pidsMatching('postgres').filter(
        (pid) => !backends.includes(pid),
      ),
      'redis-server': pidsMatching('redis-server', `:${redisPort()}`),
      'bench process (load generator)': [process.pid],
    });
  };
  await load(context, 'POST /events warm-up', apiOptions(options.warmupSeconds), 2_000, apiMeter());
  // Postgres publishes a backend's counters within about a second of its last transaction.
  await sleep(1_500);
  const dbBefore = await databaseCounters(stack);
  const runStartedAt = new Date();
  const activity = new ActivitySampler(stack.t, 'api');
  activity.start();
  const apiRun = await load(context, 'POST /events', apiOptions(options.durationSeconds), 2_000, apiMeter());
  const connections = await activity.stop();
  await sleep(1_500);
  const dbAfter = await databaseCounters(stack);
  const relay = await relayBatches(stack, runStartedAt);

  const api = apiRun.result;
  const eventsPerSecond = api['2xx'] / api.duration;
  const helloPerSecond = helloRun.result['2xx'] / helloRun.result.duration;
  const apiStart = apiRun.answeredAt[0] ?? 0;
  const helloStart = helloRun.answeredAt[0] ?? 0;
  const transactionsPerSecond = transactionRun.result['2xx'] / transactionRun.result.duration;
  const transactionStart = transactionRun.answeredAt[0] ?? 0;
  const plot = context.writePlot(
    'ingest.svg',
    lineChartSvg({
      title: `Ingest: POST /events vs two peers, ${options.connections} connections`,
      xLabel: 'seconds',
      yLabel: 'responses per second',
      series: [
        { name: 'POST /events', points: perSecondCounts(apiRun.answeredAt, apiStart) },
        { name: 'hello-world', points: perSecondCounts(helloRun.answeredAt, helloStart) },
        {
          name: 'plain pg transaction',
          points: perSecondCounts(transactionRun.answeredAt, transactionStart),
        },
      ],
      horizontal: [{ value: 2_000, label: 'target 2,000 events/s' }],
    }),
  );
  const cores = (run: LoadRun, group: string) => round(run.cpu.cores[group] ?? 0, 2);
  const apiCores = apiRun.cpu.cores.api ?? 0;
  const events = Math.max(1, api['2xx']);
  const groupsTotal = Object.values(apiRun.cpu.cores).reduce((a, b) => a + b, 0);
  return {
    plot,
    settings: {
      connections: options.connections,
      apiSeconds: options.durationSeconds,
      peerSeconds,
      peers: `${HELLO_WORLD}; ${PG_TRANSACTION} (BEGIN, upsert customer, upsert subscription, insert event, insert outbox row, COMMIT; pool of 10)`,
      warmupSeconds: options.warmupSeconds,
      subscriptions: options.subscriptions,
      events: 'subscription.created once per subscription, then payment.succeeded; customers not linked',
      servicesRunning: 'api only (workers stopped)',
      loadGenerator: 'autocannon in the bench process',
      cpuSource: '/proc/<pid>/stat and /proc/stat over each measured run',
    },
    figures: [
      figure('events per second', round(eventsPerSecond, 0), '/s', { op: '>=', value: 2_000 }),
      figure('p50', round(percentile(apiRun.latenciesMs, 50), 1), 'ms'),
      figure('p99', round(percentile(apiRun.latenciesMs, 99), 1), 'ms', { op: '<', value: 50 }),
      figure('non-2xx', api.non2xx, ''),
      figure('5xx', api['5xx'], '', { op: '==', value: 0 }),
      figure('connection errors and timeouts', api.errors, '', { op: '==', value: 0 }),
      figure('hello-world requests per second', round(helloPerSecond, 0), '/s'),
      figure('hello-world p99', round(percentile(helloRun.latenciesMs, 99), 1), 'ms'),
      figure('events/s ÷ hello-world req/s', round(eventsPerSecond / helloPerSecond, 3), '', {
        op: '>=',
        value: 0.35,
      }),
      figure('plain pg-transaction handler requests per second', round(transactionsPerSecond, 0), '/s'),
      figure('plain pg-transaction handler p99', round(percentile(transactionRun.latenciesMs, 99), 1), 'ms'),
      figure('plain pg-transaction handler 5xx', transactionRun.result['5xx'], ''),
      figure(
        'events/s ÷ plain pg-transaction handler req/s',
        round(eventsPerSecond / transactionsPerSecond, 3),
        '',
      ),
      ...diagnostics([
        figure('api CPU, cores busy', cores(apiRun, 'api'), ''),
        figure('api CPU per event', round((apiCores * 1000) / eventsPerSecond, 2), 'ms'),
        figure(
          'Postgres backends CPU, cores busy',
          cores(apiRun, 'Postgres backends of the bench database'),
          '',
        ),
        figure('redis-server CPU, cores busy', cores(apiRun, 'redis-server'), ''),
        figure(
          'other Postgres processes CPU (server-wide), cores busy',
          cores(apiRun, 'other Postgres processes (server-wide)'),
          '',
        ),
        figure('load generator CPU, cores busy', cores(apiRun, 'bench process (load generator)'), ''),
        figure(
          'machine busy / cores, during POST /events',
          round(apiRun.cpu.machineBusyCores, 2),
          `of ${apiRun.cpu.machineCores}`,
        ),
        figure(
          'CPU used outside these processes (other work), cores',
          round(Math.max(0, apiRun.cpu.machineBusyCores - groupsTotal), 2),
          '',
        ),
        figure('hello-world CPU, cores busy', cores(helloRun, HELLO_WORLD), ''),
        figure('plain pg-transaction handler CPU, cores busy', cores(transactionRun, PG_TRANSACTION), ''),
        figure(
          'machine busy / cores, during the plain pg-transaction handler',
          round(transactionRun.cpu.machineBusyCores, 2),
          `of ${transactionRun.cpu.machineCores}`,
        ),
        figure('Postgres commits per event', round((dbAfter.commits - dbBefore.commits) / events, 2), ''),
        figure('outbox rows per relay transaction', round(relay.rowsPerTransaction, 2), ''),
        // libuv writes sockets with write/writev (counted in /proc/<pid>/io); Postgres and Redis use send().
        figure(
          'api socket writes per event (Postgres statements, Redis commands, the answer)',
          round((apiRun.cpu.writeCalls.api ?? 0) / events, 1),
          '',
        ),
        figure(
          'hello-world socket writes per request',
          round((helloRun.cpu.writeCalls[HELLO_WORLD] ?? 0) / Math.max(1, helloRun.result['2xx']), 1),
          '',
        ),
        figure('rows written per event', round((dbAfter.rowsWritten - dbBefore.rowsWritten) / events, 2), ''),
        ...Object.entries(connections).map(([state, average]) =>
          figure(`api Postgres connections ${state} (average)`, round(average, 2), ''),
        ),
      ]),
    ],
  };
}
