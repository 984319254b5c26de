import { dropStaleTestDatabases, newRunId } from './stale-databases';
import { testEnv } from '../test-env';

/**
 * Runs once per Jest run, before any worker starts. It only names the run (workers inherit the id through
 * the environment) and clears leftovers of killed runs. The migrated template database is made by the
 * first worker that needs it (see test-database.ts): this hook runs under Node's own module resolution,
 * which cannot load workspace packages from their TypeScript sources.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.INFLOW_TEST_RUN_ID !== undefined) return; // projects of one run share it
  testEnv.setRun(newRunId());
  await dropStaleTestDatabases();
}
