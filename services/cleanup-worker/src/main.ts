import { hostname } from 'node:os';
import { runWorkerService } from '@inflow/worker-host';
import { composeCleanup } from './compose-cleanup';
import { loadServiceEnv } from './env';

runWorkerService('cleanup-worker', loadServiceEnv, async (host) => {
  const cleanup = await composeCleanup({
    env: host.env,
    logger: host.logger,
    registry: host.metrics.registry,
    repositories: host.db.repositories,
    redis: host.redis,
    workerName: `${host.service}@${hostname()}:${process.pid}`,
  });
  host.lifecycle.onShutdown('cleanup', () => cleanup.close());
});
