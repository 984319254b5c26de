import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Stack } from '@inflow/e2e/src/stack';
import { startTcpProxy, testEnv, type TcpProxy } from '@inflow/testing';
import { callApi } from './api-client';
import { addMembers, apiPort, CHAOS_EMULATOR, CHAOS_SERVICE_ENV, connectDemoGuild } from './chaos-world';
import { chaosScale } from './env';
import { expectRecovered, runScenario, type ChaosLedger } from './scenario-run';

/** How fast the api must say it cannot serve while Postgres is away: clients retry, they must not hang. */
const QUICK_MS = 3_000;

/**
 * Postgres goes away mid-run (every service reaches it through a cuttable TCP proxy; the database other
 * tests share is untouched): connections drop and new ones are refused, as when the server stops.
 */
describe('chaos: Postgres stopped mid-run', () => {
  let proxy: TcpProxy;
  let ledger: ChaosLedger;

  beforeAll(async () => {
    const postgres = new URL(testEnv.postgresUrl);
    proxy = await startTcpProxy(postgres.hostname, Number(postgres.port || 5432));
    const stack = await Stack.start({
      services: ['api', 'gateway-worker', 'role-sync-worker', 'notification-worker', 'cleanup-worker'],
      serviceDatabaseUrl: (url) => proxy.urlFor(url),
      env: CHAOS_SERVICE_ENV,
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    ledger = { stack, merchant: world.merchant, guilds: [world.guild], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
    await proxy?.close();
  });

  it(`the api answers 503 within ${QUICK_MS / 1000} s, no row is half-written, the workers recover`, async () => {
    const { stack } = ledger;
    const port = apiPort(stack);
    const members = await addMembers(stack, ledger.merchant, ledger.guilds[0]!, {
      label: 'pg',
      count: chaosScale.members,
    });
    const probes: Array<{ path: string; status: number; ms: number }> = [];
    const outcome = await runScenario({
      name: `Postgres stopped ${chaosScale.postgresOutageMs / 1000} s`,
      ledger,
      members,
      // The outage sits inside the traffic, with traffic before and after it.
      trafficMs: chaosScale.trafficMs + chaosScale.postgresOutageMs,
      chaos: async (traffic) => {
        await traffic.reached(1 / 4);
        await proxy.outage();
        const until = Date.now() + chaosScale.postgresOutageMs;
        // What a merchant and a load balancer see meanwhile.
        while (Date.now() < until) {
          for (const path of ['/readyz', '/subscription/offer']) {
            const answer = await callApi(port, {
              method: 'GET',
              path,
              headers: { 'x-inflow-api-key': ledger.merchant.apiKey },
            });
            probes.push({ path, status: answer.status, ms: answer.ms });
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await proxy.restore();
        const slowest = Math.max(...probes.map((probe) => probe.ms));
        const statuses = [...new Set(probes.map((probe) => `${probe.path} ${probe.status}`))].join(', ');
        return [
          `${probes.length} probes during the outage answered ${statuses}, slowest ${slowest.toFixed(0)} ms`,
        ];
      },
    });
    expect(probes.length).toBeGreaterThan(0);
    for (const probe of probes)
      expect({ ...probe, ms: probe.ms < QUICK_MS }).toEqual({ ...probe, status: 503, ms: true });
    // The traffic met the outage: its events were refused with 503 and retried until taken.
    expect(outcome.traffic.unavailable).toBeGreaterThan(0);
    expect(outcome.traffic.slowestUnavailableMs).toBeLessThan(QUICK_MS);
    expect(outcome.traffic.unanswered).toBe(0);
    expectRecovered(outcome);
    expect((await callApi(port, { method: 'GET', path: '/readyz' })).status).toBe(200);
  });
});
