import { z } from 'zod';
import { databaseUrl, loadEnv } from '@inflow/service-runtime';

export function loadMigrateEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv('db:migrate', z.object({ DATABASE_URL: databaseUrl }), source);
}
