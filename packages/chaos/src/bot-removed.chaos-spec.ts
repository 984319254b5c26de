import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RequestLogEntry } from '@inflow/discord-emulator';
import { Stack } from '@inflow/e2e/src/stack';
import {
  addMembers,
  CHAOS_EMULATOR,
  CHAOS_SERVICE_ENV,
  connectDemoGuild,
  connectSecondGuild,
  type ChaosGuild,
} from './chaos-world';
import { discordTraffic } from './discord-traffic';
import { chaosScale } from './env';
import { expectRecovered, runScenario, type ChaosLedger } from './scenario-run';

/**
 * "At most a handful" of refusals from the guild the bot left, before the product stops asking: what the
 * services had in flight when it left, and one health re-check by each service that was refused (its read
 * of the guild: once that is refused, the check reads nothing more), until the gateway's GUILD_DELETE is
 * handled. 3 to 8 on a loaded two-core machine (28 when a refused check still read roles, channels and a
 * member); none after QUIET_AFTER_MS, which is asserted on its own.
 */
const HANDFUL = 20;

/** After this long past the removal, no request may reach that guild any more. */
const QUIET_AFTER_MS = 2_000;

/**
 * A merchant's server kicks the bot mid-run while events for both of the merchant's servers keep
 * coming: a handful of 403/404 from that server at most, then none; the other server is unaffected.
 */
describe('chaos: the bot removed from a guild mid-run', () => {
  let ledger: ChaosLedger;
  let kept: ChaosGuild;
  let lost: ChaosGuild;

  beforeAll(async () => {
    const stack = await Stack.start({
      services: ['api', 'gateway-worker', 'role-sync-worker', 'notification-worker', 'cleanup-worker'],
      env: CHAOS_SERVICE_ENV,
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    kept = world.guild;
    lost = await connectSecondGuild(stack, world.merchant, 'Chaos Second Server');
    ledger = { stack, merchant: world.merchant, guilds: [kept], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
  });

  it('a handful of 403/404 from that guild, then none; the other guild converges', async () => {
    const { stack } = ledger;
    const half = Math.ceil(chaosScale.members / 2);
    const inKept = await addMembers(stack, ledger.merchant, kept, { label: 'bk', count: half });
    const inLost = await addMembers(stack, ledger.merchant, lost, { label: 'bl', count: half });
    const toLost = (entry: RequestLogEntry) =>
      entry.path.includes(lost.guildId) ||
      entry.path.includes(lost.paymentsChannelId) ||
      entry.path.includes(lost.generalChannelId);
    let removedAt = 0;
    let servedBefore = 0;
    const refusals = () =>
      stack.emulator.stats
        .requests({ since: removedAt })
        .filter((entry) => toLost(entry) && (entry.status === 403 || entry.status === 404));
    const late = () => stack.emulator.stats.requests({ since: removedAt + QUIET_AFTER_MS }).filter(toLost);
    const outcome = await runScenario({
      name: 'bot removed from one of two guilds',
      ledger,
      members: [...inKept, ...inLost],
      // Roles in the guild the bot left are beyond the product's reach: the verdict covers the other.
      judged: inKept,
      chaos: async (traffic) => {
        await traffic.reached(1 / 4);
        stack.emulator.state.removeBot(lost.guildId);
        removedAt = Date.now();
        servedBefore = stack.emulator.stats.requests().filter(toLost).length;
        return [`bot removed a quarter into the run`];
      },
      finalNotes: () => [
        `${servedBefore} requests to that guild before, ` +
          `then ${discordTraffic(stack.emulator, removedAt, toLost).requests} requests to that guild, ` +
          `${refusals().length} answered 403/404 (${refusals()
            .map(
              (entry) =>
                `+${entry.time - removedAt} ms ${entry.method} ${entry.route} ${entry.status}/${entry.code}`,
            )
            .join(', ')}), ${late().length} more than ${QUIET_AFTER_MS / 1000} s after it`,
      ],
    });
    // The bot served that guild until it was removed (otherwise the scenario proves nothing).
    expect(servedBefore).toBeGreaterThan(0);
    expect(refusals().length).toBeLessThanOrEqual(HANDFUL);
    expect(late()).toEqual([]);
    const [installation] = await stack.t.sql<{ install_status: string }>(
      `SELECT install_status FROM discord_guild WHERE guild_id = $1`,
      [lost.guildId],
    );
    expect(installation?.install_status).toBe('removed');
    expectRecovered(outcome);
  });
});
