import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Stack } from '@inflow/e2e/src/stack';
import {
  addMembers,
  CHAOS_EMULATOR,
  CHAOS_SERVICE_ENV,
  connectDemoGuild,
  type ChaosGuild,
} from './chaos-world';
import { chaosScale } from './env';
import { expectRecovered, runScenario, type ChaosLedger } from './scenario-run';

const DOWN_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A worker dies the hard way (SIGKILL: no shutdown, jobs in flight abandoned, gateway events missed)
 * a third into a run of merchant events, and comes back two seconds later.
 */
describe('chaos: a worker killed with SIGKILL mid-run', () => {
  let ledger: ChaosLedger;
  let guild: ChaosGuild;

  beforeAll(async () => {
    const stack = await Stack.start({
      services: ['api', 'gateway-worker', 'role-sync-worker', 'notification-worker', 'cleanup-worker'],
      env: {
        ...CHAOS_SERVICE_ENV,
        // A killed worker's jobs come back once their lock expires.
        ROLE_SYNC_LOCK_DURATION_MS: '4000',
        // Gateway events missed while the gateway is down reach members of a guild larger than the
        // identify's large_threshold only through the drift sweep; shortened from an hour and a day.
        DRIFT_INTERVAL_MS: '3000',
        DRIFT_MAX_AGE_MS: '10000',
      },
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    guild = world.guild;
    ledger = { stack, merchant: world.merchant, guilds: [guild], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
  });

  it('role-sync-worker: its jobs are taken over once their lock expires, and roles converge', async () => {
    const members = await addMembers(ledger.stack, ledger.merchant, guild, {
      label: 'rs',
      count: chaosScale.members,
    });
    const outcome = await runScenario({
      name: 'role-sync-worker SIGKILL',
      ledger,
      members,
      chaos: async (traffic) => {
        await traffic.reached(1 / 3);
        await ledger.stack.kill('role-sync-worker');
        await sleep(DOWN_MS);
        await ledger.stack.startService('role-sync-worker');
        return [`killed a third into the run, down ${DOWN_MS / 1000} s`];
      },
    });
    expectRecovered(outcome);
  });

  it('notification-worker: every notification is posted exactly once', async () => {
    const members = await addMembers(ledger.stack, ledger.merchant, guild, {
      label: 'nw',
      count: chaosScale.members,
    });
    const outcome = await runScenario({
      name: 'notification-worker SIGKILL',
      ledger,
      members,
      notificationTimeoutMs: 150_000,
      chaos: async (traffic) => {
        await traffic.reached(1 / 3);
        await ledger.stack.kill('notification-worker');
        await sleep(DOWN_MS);
        await ledger.stack.startService('notification-worker');
        return [`killed a third into the run, down ${DOWN_MS / 1000} s`];
      },
    });
    expectRecovered(outcome);
  });

  it('gateway-worker: joins and a moderator’s removals while it is down are caught up', async () => {
    const { state } = ledger.stack.emulator;
    // A third of the members join the server only during the run: half while the gateway is down.
    const members = await addMembers(ledger.stack, ledger.merchant, guild, {
      label: 'gw',
      count: chaosScale.members,
    });
    const late = members.filter((_, i) => i % 3 === 2);
    for (const member of late) state.leaveGuild(guild.guildId, member.userId);
    const managed = new Set(guild.offers.map((offer) => offer.roleId));
    let strippedByModerator = 0;
    const outcome = await runScenario({
      name: 'gateway-worker SIGKILL',
      ledger,
      members,
      chaos: async (traffic) => {
        await traffic.reached(1 / 3);
        await ledger.stack.kill('gateway-worker');
        const half = Math.ceil(late.length / 2);
        for (const member of late.slice(0, half)) state.joinGuild(guild.guildId, member.userId);
        // A moderator strips paid roles the product granted, unseen by the product while it is down.
        for (const member of ledger.members) {
          const roles = state.memberRoles(member.guildId, member.userId) ?? [];
          if (!roles.some((role) => managed.has(role))) continue;
          state.setMemberRoles(
            member.guildId,
            member.userId,
            roles.filter((role) => !managed.has(role)),
          );
          strippedByModerator += 1;
          if (strippedByModerator >= 10) break;
        }
        await sleep(DOWN_MS);
        await ledger.stack.startService('gateway-worker');
        for (const member of late.slice(half)) state.joinGuild(guild.guildId, member.userId);
        return [
          `killed a third into the run, down ${DOWN_MS / 1000} s`,
          `${half} joins and ${strippedByModerator} moderator removals while down, ${late.length - half} joins after`,
        ];
      },
    });
    expect(strippedByModerator).toBeGreaterThan(0);
    expectRecovered(outcome);
  });
});
