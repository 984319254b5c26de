import { dropRunDatabases } from './stale-databases';
import { testEnv } from '../test-env';

/** Drops every database this run created, including any a crashed worker left behind. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.INFLOW_TEST_RUN_ID === undefined) return;
  await dropRunDatabases(testEnv.runId);
  delete process.env.INFLOW_TEST_RUN_ID;
}
