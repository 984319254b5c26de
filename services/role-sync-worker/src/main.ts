import { runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';

runWorkerService('role-sync-worker', loadServiceEnv, () => Promise.resolve());
