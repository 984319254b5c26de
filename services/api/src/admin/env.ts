import { z } from 'zod';
import { databaseUrl, loadEnv } from '@inflow/service-runtime';

/** The admin CLI needs only Postgres. */
export function loadAdminEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv('admin', z.object({ DATABASE_URL: databaseUrl }), source);
}
