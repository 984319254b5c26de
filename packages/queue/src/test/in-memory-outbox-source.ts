import type { OutboxRow, OutboxSource } from '../outbox-relay';

type RowState = 'pending' | 'published' | 'dead';

interface StoredRow {
  row: OutboxRow;
  state: RowState;
  locked: boolean;
  /** How many committed batches marked this row published: exactly-once means 1. */
  publishedCount: number;
  deadReason?: string;
}

/**
 * An OutboxSource that keeps the contract of the Postgres one: claims skip rows another batch holds
 * (SKIP LOCKED), a throwing `publish` rolls back (rows stay pending), dead rows are never claimed
 * again. `claimLatencyMs` widens the window between claim and publish so that concurrent relays
 * really interleave.
 */
export class InMemoryOutboxSource implements OutboxSource {
  private readonly rows: StoredRow[] = [];
  private nextId = 1;
  batches = 0;
  /** Makes the next batch fail after `publish` succeeded, as a crash before COMMIT would. */
  failNextCommit = false;

  constructor(private readonly claimLatencyMs = 0) {}

  insert(jobName: string, payload: unknown): string {
    const id = String(this.nextId++);
    this.rows.push({ row: { id, jobName, payload }, state: 'pending', locked: false, publishedCount: 0 });
    return id;
  }

  async publishBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    const claimed = this.rows
      .filter((stored) => stored.state === 'pending' && !stored.locked)
      .slice(0, limit);
    if (claimed.length === 0) {
      return 0;
    }
    for (const stored of claimed) {
      stored.locked = true;
    }
    try {
      if (this.claimLatencyMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.claimLatencyMs));
      }
      await publish(claimed.map((stored) => ({ ...stored.row })));
      if (this.failNextCommit) {
        this.failNextCommit = false;
        throw new Error('Connection terminated before COMMIT');
      }
      for (const stored of claimed) {
        stored.state = 'published';
        stored.publishedCount += 1;
      }
      this.batches += 1;
      return claimed.length;
    } finally {
      for (const stored of claimed) {
        stored.locked = false;
      }
    }
  }

  markDead(id: string, reason: string): Promise<void> {
    const stored = this.rows.find((candidate) => candidate.row.id === id);
    if (stored === undefined) {
      return Promise.reject(new Error(`no outbox row ${id}`));
    }
    stored.state = 'dead';
    stored.deadReason = reason;
    return Promise.resolve();
  }

  count(state: RowState): number {
    return this.rows.filter((stored) => stored.state === state).length;
  }

  publishedCounts(): number[] {
    return this.rows.map((stored) => stored.publishedCount);
  }

  deadReason(id: string): string | undefined {
    return this.rows.find((stored) => stored.row.id === id)?.deadReason;
  }
}
