import { runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';

runWorkerService('cleanup-worker', loadServiceEnv, () => Promise.resolve());
