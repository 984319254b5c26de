import { runWorkerService } from '@inflow/worker-host';
import { composeGatewayWorker } from './compose-gateway-worker';
import { loadServiceEnv } from './env';

runWorkerService('gateway-worker', loadServiceEnv, async (host) => {
  const worker = composeGatewayWorker({
    env: host.env,
    db: host.db,
    logger: host.logger,
    registry: host.metrics.registry,
  });
  host.addReadinessCheck('gateway', () => worker.connection.readiness());
  host.lifecycle.onShutdown('gateway', () => worker.close());
  await worker.start();
});
