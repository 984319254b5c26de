import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Stack } from '@inflow/e2e/src/stack';
import { callApi } from './api-client';
import { addMembers, apiPort, CHAOS_EMULATOR, CHAOS_SERVICE_ENV, connectDemoGuild } from './chaos-world';
import { discordTraffic } from './discord-traffic';
import { chaosScale, chaosSeed } from './env';
import { planEvents } from './event-plan';
import { hostileRequests, type HostileRequest } from './hostile-requests';
import { waitForRoleConvergence } from './role-convergence';
import { reportScenario } from './scenario-report';
import { settleMembers, type ChaosLedger } from './scenario-run';
import { seededRandom } from './seeded-random';
import { snapshotTables, tableChanges } from './table-snapshot';

const CONCURRENCY = 16;

interface Answered {
  request: HostileRequest;
  status: number;
  text: string;
  error?: string;
}

const describeRequest = (answer: Answered) =>
  `${answer.request.family}: ${answer.request.method} ${answer.request.path.slice(0, 80)} → ${answer.status || answer.error} ${answer.text.slice(0, 120)}`;

/**
 * Thousands of malformed or hostile requests (fuzzed bodies, huge payloads, wrong types, injection
 * strings, forged credentials, OAuth returns and forms) against the api, most with the merchant's valid
 * key: not one 5xx, not one row written, and the api still serves the merchant afterwards.
 */
describe('chaos: malformed and hostile requests', () => {
  let ledger: ChaosLedger;

  beforeAll(async () => {
    const stack = await Stack.start({
      services: ['api', 'role-sync-worker'],
      env: CHAOS_SERVICE_ENV,
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    ledger = { stack, merchant: world.merchant, guilds: [world.guild], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
  });

  it(`${chaosScale.hostileRequests} hostile requests: zero 5xx, zero rows written`, async () => {
    const { stack, merchant } = ledger;
    const guild = ledger.guilds[0]!;
    const port = apiPort(stack);
    const random = seededRandom(chaosSeed);
    const members = await addMembers(stack, merchant, guild, { label: 'hr', count: 10 });
    await settleMembers(ledger, members, planEvents(members, { label: 'hr', perSubscription: 2, random }));
    const requests = hostileRequests(chaosScale.hostileRequests, random, {
      apiKey: merchant.apiKey,
      offerId: guild.offers[0]!.id,
      guildId: guild.guildId,
      roleId: guild.offers[0]!.roleId,
      customerId: members[0]!.customerId,
    });

    // Let the outbox relay and the worker finish the settling, so only the storm could change a row.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const since = Date.now();
    const before = await snapshotTables(stack.t);
    const answers: Answered[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let request = requests[next++]; request !== undefined; request = requests[next++]) {
          const answer = await callApi(port, request);
          answers.push({
            request,
            status: answer.status,
            text: answer.text,
            ...(answer.error === undefined ? {} : { error: answer.error }),
          });
        }
      }),
    );
    const stormMs = Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const written = tableChanges(before, await snapshotTables(stack.t));

    // The api still serves the merchant: a real event now changes a role.
    const [member] = members;
    const subscription = member!.subscriptions[0]!;
    const followUp = planEvents([{ ...member!, subscriptions: [subscription] }], {
      label: 'hr-after',
      perSubscription: 1,
      random,
    }).slice(0, 1);
    const taken = await callApi(port, {
      method: 'POST',
      path: '/events',
      headers: { 'x-inflow-api-key': merchant.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(followUp[0]!.body),
    });
    ledger.events.push(...followUp);
    const convergence = await waitForRoleConvergence(stack.db, stack.emulator.state, ledger.members, {
      timeoutMs: chaosScale.convergeTimeoutMs,
    });

    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    const families = new Map<string, number>();
    for (const request of requests) families.set(request.family, (families.get(request.family) ?? 0) + 1);
    const serverErrors = answers.filter((answer) => answer.status >= 500);
    const unanswered = answers.filter((answer) => answer.status === 0);
    const accepted = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
    reportScenario({
      scenario: `${requests.length} hostile requests in ${(stormMs / 1000).toFixed(1)} s`,
      traffic: {
        delivered: taken.status === 202 ? 1 : 0,
        accepted: taken.status === 202 ? 1 : 0,
        repeats: 0,
        retries: 0,
      },
      convergence,
      discord: discordTraffic(stack.emulator, since),
      notes: [
        `answers ${[...byStatus]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${status || 'none'} ×${count}`)
          .join(', ')}`,
        `5xx ${serverErrors.length}`,
        `rows written ${written.length === 0 ? 0 : written.join(', ')}`,
        `families ${[...families].map(([family, count]) => `${family} ×${count}`).join(', ')}`,
      ],
    });

    // The api's own account of its 5xx (the logged error of each distinct kind), as evidence.
    const loggedFailures = new Set<string>();
    for (const line of stack.logs('api').split('\n')) {
      if (!line.includes('"request failed"')) continue;
      const entry = JSON.parse(line) as {
        path?: string;
        err?: { type?: string; message?: string; code?: string };
      };
      loggedFailures.add(
        `${entry.err?.type ?? '?'} ${entry.err?.code ?? ''} ${entry.err?.message ?? ''}`.trim(),
      );
    }
    expect({
      serverErrors: serverErrors.slice(0, 20).map(describeRequest),
      logged: [...loggedFailures],
    }).toEqual({
      serverErrors: [],
      logged: [],
    });
    expect(unanswered.slice(0, 20).map(describeRequest)).toEqual([]);
    // Reads with the valid key may answer 200 (HEAD of the offer list); nothing may be created.
    expect(accepted.filter((answer) => answer.status !== 200).map(describeRequest)).toEqual([]);
    expect(written).toEqual([]);
    expect(taken.status).toBe(202);
    expect(convergence.comparison.mismatches).toEqual([]);
  });
});
