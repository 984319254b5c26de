/*
 * A role-sync worker process that takes one job, tells its parent, and then hangs in the handler, so
 * the parent can SIGKILL it mid-job. Env: REDIS_URL, QUEUE_PREFIX, LOCK_DURATION_MS, STALLED_INTERVAL_MS
 * (workers throttle the stalled check queue-wide by the interval of whoever ran it last, so the dying
 * worker's interval delays the rescue as much as the rescuer's).
 */
import { createRedisConnection } from '../../redis-connection';
import { createWorker } from '../../worker';

const connection = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  purpose: 'worker',
  name: 'stalling-worker-child',
});
const worker = createWorker(
  'role-sync',
  {
    'role-sync.member': async (payload, context) => {
      process.send?.({ type: 'started', jobId: context.jobId, userId: payload.userId });
      // Never settles: the process is killed while "working".
      await new Promise<never>(() => undefined);
    },
  },
  {
    connection,
    prefix: process.env.QUEUE_PREFIX ?? 'missing-prefix',
    lockDuration: Number(process.env.LOCK_DURATION_MS ?? 1_000),
    stalledInterval: Number(process.env.STALLED_INTERVAL_MS ?? 300),
    workerName: 'stalling-child',
  },
);
void worker.waitUntilReady().then(() => process.send?.({ type: 'ready' }));
