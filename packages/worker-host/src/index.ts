export { runWorkerService, type WorkerHost } from './run-worker-service';
export { workerEnvFields, type WorkerEnv } from './worker-env';
