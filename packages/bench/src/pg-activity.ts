import type { TestDatabase } from '@inflow/testing';

/** What one connection of a pool was doing at one sample. */
export type ConnectionState =
  | 'running'
  | 'waiting on WAL (commit flush)'
  | 'waiting on a lock'
  | 'waiting on other I/O'
  | 'waiting for the client (idle in transaction)'
  | 'idle in the pool';

export interface ActivityRow {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

/** Classifies a pg_stat_activity row of a client connection. */
export function classifyActivity(row: ActivityRow): ConnectionState {
  if (row.state === 'idle') return 'idle in the pool';
  if (row.state === 'idle in transaction' || row.state === 'idle in transaction (aborted)')
    return 'waiting for the client (idle in transaction)';
  if (row.wait_event_type === null) return 'running';
  if (
    row.wait_event_type === 'Lock' ||
    (row.wait_event_type === 'LWLock' && row.wait_event === 'LockManager')
  )
    return 'waiting on a lock';
  if (row.wait_event_type === 'IO' && row.wait_event !== null && row.wait_event.startsWith('WAL'))
    return 'waiting on WAL (commit flush)';
  if (row.wait_event_type === 'LWLock' && row.wait_event?.startsWith('WAL') === true)
    return 'waiting on WAL (commit flush)';
  if (row.wait_event_type === 'Client') return 'waiting for the client (idle in transaction)';
  return 'waiting on other I/O';
}

/**
 * Samples pg_stat_activity for one application's connections to the bench database, so a run can say
 * where a transaction's time goes: Postgres working, waiting on the WAL flush of a commit, waiting on
 * row locks, or waiting for the application between statements (round trips, the application's CPU).
 */
export class ActivitySampler {
  private readonly tally = new Map<ConnectionState, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly t: TestDatabase,
    private readonly applicationName: string,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sample()).catch(() => undefined);
    }, this.everyMs);
  }

  /** Stops and returns the average number of connections in each state. */
  async stop(): Promise<Record<ConnectionState, number>> {
    clearInterval(this.timer);
    await this.running;
    const average = {} as Record<ConnectionState, number>;
    for (const [state, count] of this.tally) average[state] = this.samples === 0 ? 0 : count / this.samples;
    return average;
  }

  private async sample(): Promise<void> {
    const rows = await this.t.sql<ActivityRow & Record<string, unknown>>(
      `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
        WHERE datname = $1 AND application_name = $2 AND backend_type = 'client backend'`,
      [this.t.name, this.applicationName],
    );
    this.samples += 1;
    for (const row of rows) {
      const state = classifyActivity(row);
      this.tally.set(state, (this.tally.get(state) ?? 0) + 1);
    }
  }
}
