import { runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';

runWorkerService('notification-worker', loadServiceEnv, () => Promise.resolve());
