import { z } from 'zod';
import { loadEnv } from '@inflow/service-runtime';
import { workerEnvFields } from '@inflow/worker-host';

const schema = z.object({
  ...workerEnvFields(3004),
});

export type Env = z.output<typeof schema>;

export function loadServiceEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadEnv('cleanup-worker', schema, source);
}
