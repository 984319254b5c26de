import { z } from 'zod';
import { envInteger, loadEnv } from '@inflow/service-runtime';
import { workerEnvFields } from '@inflow/worker-host';

const DAY_MS = 86_400_000;

const schema = z.object({
  ...workerEnvFields(3004),
  /** How often the access-ended sweep runs (DESIGN.md, configuration). */
  CLEANUP_INTERVAL_MS: envInteger(1_000, DAY_MS, ' of milliseconds').default(300_000),
  /**
   * How far the sweep window stays behind the clock, so that a row stamped by a transaction that has
   * not committed yet is still ahead of the window when it commits (see sweep-window.ts). Longer than
   * Postgres' 15 s statement timeout, so a write that waited a whole statement on a row lock is covered.
   * At least a second, so that no configuration can switch the protection off.
   */
  CLEANUP_COMMIT_MARGIN_MS: envInteger(1_000, 3_600_000, ' of milliseconds').default(30_000),
  /** Rows read per query by the sweeps (keyset pages). */
  CLEANUP_PAGE_SIZE: envInteger(1, 10_000).default(1_000),
  /** How often the drift sweep runs. */
  DRIFT_INTERVAL_MS: envInteger(1_000, 7 * DAY_MS, ' of milliseconds').default(3_600_000),
  /** Members whose last sync is older than this are re-synced by the drift sweep. */
  DRIFT_MAX_AGE_MS: envInteger(1_000, 365 * DAY_MS, ' of milliseconds').default(DAY_MS),
  /** The most members one drift run re-syncs: each may cost a Discord read, so this protects the budget. */
  DRIFT_BATCH_LIMIT: envInteger(1, 1_000_000).default(5_000),
  /**
   * A notification or role sync published this long ago that has not run and has no job left in the
   * queue was lost by Redis and is published again (checked at each access-ended sweep, over the jobs
   * published in the last max(1 h, 6 × this)). Longer than the jobs' retries.
   */
  OUTBOX_REDELIVER_AFTER_MS: envInteger(1_000, DAY_MS, ' of milliseconds').default(600_000),
  /** Published outbox rows are deleted after this long. */
  OUTBOX_RETENTION_MS: envInteger(3_600_000, 365 * DAY_MS, ' of milliseconds').default(7 * DAY_MS),
});

export type Env = z.output<typeof schema>;

export function loadServiceEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadEnv('cleanup-worker', schema, source);
}
