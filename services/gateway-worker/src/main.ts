import { runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';

runWorkerService('gateway-worker', loadServiceEnv, () => Promise.resolve());
