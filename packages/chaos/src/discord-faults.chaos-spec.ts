import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RateLimitScope } from '@inflow/discord-emulator';
import { Stack } from '@inflow/e2e/src/stack';
import { addMembers, CHAOS_EMULATOR, CHAOS_SERVICE_ENV, connectDemoGuild } from './chaos-world';
import { chaosScale, chaosSeed } from './env';
import { expectRecovered, runScenario, type ChaosLedger } from './scenario-run';
import { seededRandom, shuffle } from './seeded-random';

const SCOPES: readonly RateLimitScope[] = ['user', 'global', 'shared'];

/**
 * Discord has a bad minute: 30 % of REST requests answer 5xx, and bursts of 429 of every scope (user,
 * global, shared) hit every route at random moments. Events keep coming throughout.
 */
describe('chaos: Discord answers 30 % 5xx with random 429s of each scope', () => {
  let ledger: ChaosLedger;

  beforeAll(async () => {
    const stack = await Stack.start({
      services: ['api', 'gateway-worker', 'role-sync-worker', 'notification-worker', 'cleanup-worker'],
      env: CHAOS_SERVICE_ENV,
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    ledger = { stack, merchant: world.merchant, guilds: [world.guild], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
  });

  it(`a ${chaosScale.faultStormMs / 1000} s storm: every call retried or released, roles converge after, no ban`, async () => {
    const { faults } = ledger.stack.emulator;
    const random = seededRandom(chaosSeed);
    const members = await addMembers(ledger.stack, ledger.merchant, ledger.guilds[0]!, {
      label: 'df',
      count: chaosScale.members,
    });
    const storms: Record<RateLimitScope, number> = { user: 0, global: 0, shared: 0 };
    const outcome = await runScenario({
      name: `Discord 30 % 5xx + 429 bursts for ${chaosScale.faultStormMs / 1000} s`,
      ledger,
      members,
      trafficMs: chaosScale.faultStormMs,
      chaos: async () => {
        const until = Date.now() + chaosScale.faultStormMs;
        faults.setServerErrorRate(0.3);
        let scopes: RateLimitScope[] = [];
        try {
          while (Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, 500 + random() * 2_000));
            // Every scope once per round, in random order, so each one is met however short the storm.
            if (scopes.length === 0) scopes = shuffle(random, [...SCOPES]);
            const scope = scopes.pop()!;
            const durationMs = Math.min(300 + Math.floor(random() * 1_200), Math.max(1, until - Date.now()));
            faults.startRateLimitStorm({ scope, durationMs });
            storms[scope] += 1;
            await new Promise((resolve) => setTimeout(resolve, durationMs));
          }
        } finally {
          faults.clear();
        }
        return [`429 bursts: user ×${storms.user}, global ×${storms.global}, shared ×${storms.shared}`];
      },
    });
    for (const scope of SCOPES) expect(storms[scope]).toBeGreaterThan(0);
    expect(outcome.discord.serverErrors).toBeGreaterThan(0);
    expectRecovered(outcome);
  });
});
