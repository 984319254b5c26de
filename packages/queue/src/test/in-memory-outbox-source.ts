import type { OutboxPublishResult, OutboxRow, OutboxSource } from '../outbox-relay';

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
 * (SKIP LOCKED), a throwing `publish` rolls back (rows stay pending), dead letters are marked dead
 * in the same "transaction". `claimLatencyMs` widens the window between claim and publish so that
 * concurrent relays really interleave.
 */
export class InMemoryOutboxSource implements OutboxSource {
  private readonly rows: StoredRow[] = [];
  private nextId = 1;
  batches = 0;

  constructor(private readonly claimLatencyMs = 0) {}

  insert(jobName: string, payload: unknown): string {
    const id = String(this.nextId++);
    this.rows.push({ row: { id, jobName, payload }, state: 'pending', locked: false, publishedCount: 0 });
    return id;
  }

  async publishBatch(
    limit: number,
    publish: (rows: OutboxRow[]) => Promise<OutboxPublishResult>,
  ): Promise<number> {
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
      const result = await publish(claimed.map((stored) => ({ ...stored.row })));
      const dead = new Map(result.deadLetters.map((letter) => [letter.id, letter.reason]));
      for (const stored of claimed) {
        const reason = dead.get(stored.row.id);
        if (reason === undefined) {
          stored.state = 'published';
          stored.publishedCount += 1;
        } else {
          stored.state = 'dead';
          stored.deadReason = reason;
        }
      }
      this.batches += 1;
      return claimed.length;
    } finally {
      for (const stored of claimed) {
        stored.locked = false;
      }
    }
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
