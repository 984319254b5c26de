import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Stack } from '@inflow/e2e/src/stack';
import { addMembers, CHAOS_EMULATOR, CHAOS_SERVICE_ENV, connectDemoGuild } from './chaos-world';
import { chaosScale } from './env';
import { startPrivateRedis, type PrivateRedis } from './private-redis';
import { clockEndingEvents } from './event-plan';
import { expectRecovered, runScenario, settleMembers, type ChaosLedger } from './scenario-run';

/**
 * Redis loses everything mid-run (FLUSHALL on a redis-server of the scenario's own): queued and active
 * jobs, deduplication keys, job schedulers, limiter windows. Events not yet published come back from
 * the outbox; jobs already published come back through the cleanup-worker's drift sweep.
 */
describe('chaos: Redis flushed mid-run', () => {
  let redis: PrivateRedis;
  let ledger: ChaosLedger;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const stack = await Stack.start({
      services: ['api', 'gateway-worker', 'role-sync-worker', 'notification-worker', 'cleanup-worker'],
      redisUrl: redis.url,
      env: {
        ...CHAOS_SERVICE_ENV,
        ROLE_SYNC_LOCK_DURATION_MS: '4000',
        DRIFT_INTERVAL_MS: '3000',
        DRIFT_MAX_AGE_MS: '10000',
        OUTBOX_REDELIVER_AFTER_MS: '5000',
      },
      emulator: CHAOS_EMULATOR,
    });
    const world = await connectDemoGuild(stack);
    ledger = { stack, merchant: world.merchant, guilds: [world.guild], members: [], events: [] };
  });

  afterAll(async () => {
    await ledger?.stack.stop();
    await redis?.stop();
  });

  it('FLUSHALL with work queued: the outbox and the drift sweep restore it', async () => {
    const { stack } = ledger;
    const members = await addMembers(stack, ledger.merchant, ledger.guilds[0]!, {
      label: 'rf',
      count: chaosScale.members,
    });
    // Members whose access ends by the clock a few seconds after the flush: only the cleanup cycle's
    // access-ended sweep removes their roles then.
    const bystanders = await addMembers(stack, ledger.merchant, ledger.guilds[0]!, {
      label: 'rfclock',
      count: 5,
    });
    const endsAt = Date.now() + chaosScale.trafficMs + 8_000;
    await settleMembers(ledger, bystanders, clockEndingEvents(bystanders, { label: 'rfclock', endsAt }));
    const depth = async (queue: string) =>
      (await redis.listLength(`${stack.prefix}:${queue}:wait`)) +
      (await redis.listLength(`${stack.prefix}:${queue}:active`));
    let flushedAt = 0;
    // Whether the cleanup cycle kept running after the flush (its job schedulers live in Redis).
    const sweepsAfterFlush = (message: string) =>
      stack
        .logs('cleanup-worker')
        .split('\n')
        .filter((line) => line.includes(`"msg":"${message}"`))
        .filter((line) => Date.parse((JSON.parse(line) as { time: string }).time) > flushedAt).length;
    // A slow Discord lets work pile up in the queues, as under load: the flush then loses real work.
    stack.emulator.faults.setLatency({ minMs: 300, maxMs: 800 });
    const outcome = await runScenario({
      name: 'Redis FLUSHALL',
      ledger,
      members,
      // Judged (and timed) from the moment the bystanders' access ended.
      verdictNotBefore: endsAt,
      finalNotes: () => [
        `after the flush the cleanup worker ran ${sweepsAfterFlush('access-ended sweep done')} access-ended ` +
          `and ${sweepsAfterFlush('drift sweep done')} drift sweeps`,
      ],
      chaos: async (traffic) => {
        // The last event is in: whatever its jobs still need to do, only Redis knew.
        await traffic.reached(1);
        const [keys, roleSync, notifications] = [
          await redis.keyCount(),
          await depth('role-sync'),
          await depth('notifications'),
        ];
        await redis.flushAll();
        flushedAt = Date.now();
        stack.emulator.faults.setLatency(null);
        return [
          `FLUSHALL as the last event was taken, Discord slowed to 300-800 ms until then`,
          `lost ${keys} keys, ${roleSync} role-sync and ${notifications} notification jobs waiting or active`,
          `${bystanders.length} members' access ended by the clock ${((endsAt - Date.now()) / 1000).toFixed(1)} s after the flush`,
        ];
      },
    });
    expectRecovered(outcome);
  });
});
