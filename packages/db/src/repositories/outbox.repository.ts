import type { EntityManager } from 'typeorm';

/** A job waiting in the outbox, as the relay sees it. */
export interface PendingOutboxRow {
  id: string;
  jobName: string;
  payload: unknown;
}

export interface NewOutboxRow {
  jobName: string;
  payload: unknown;
}

/** The pg connection under a TypeORM query runner, as far as publishBatch uses it. */
interface SimpleQueryClient {
  query(text: string): Promise<unknown>;
}

export class OutboxRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Adds rows; call it on the transaction's repositories so they commit with the state change. */
  async add(rows: readonly NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.manager.query(
      `INSERT INTO outbox (job_name, payload) SELECT * FROM unnest($1::text[], $2::jsonb[])`,
      [rows.map((row) => row.jobName), rows.map((row) => JSON.stringify(row.payload))],
    );
  }

  /**
   * Queues a role sync for every linked member of an offer's subscribers in each of `guildIds` (the
   * offer's old and new guild when its role moved), in one statement.
   */
  async addRoleSyncForOffer(offerId: string, guildIds: readonly string[], reason: string): Promise<number> {
    if (guildIds.length === 0) return 0;
    const rows = await this.manager.query<Array<{ n: number }>>(
      `WITH added AS (
         INSERT INTO outbox (job_name, payload)
         SELECT DISTINCT 'role-sync.member',
                jsonb_build_object('guildId', g.guild_id, 'userId', l.discord_user_id, 'reason', $3::text)
           FROM subscription s
           JOIN discord_link l ON l.customer_id = s.customer_id
          CROSS JOIN unnest($2::text[]) AS g(guild_id)
          WHERE s.offer_id = $1
         RETURNING 1)
       SELECT count(*)::int AS n FROM added`,
      [offerId, guildIds, reason],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Claims up to `limit` unpublished rows in one transaction (`FOR UPDATE SKIP LOCKED`, so relays running
   * side by side take disjoint rows), hands them to `publish`, marks them published and commits. If
   * `publish` throws, the transaction rolls back and the rows stay for the next attempt. A crash between
   * publishing and commit publishes the rows again later; the queue's deterministic job ids absorb that.
   *
   * Two round trips, not four: the transaction opens with the claim and closes with the mark, each pair
   * sent as one simple-protocol message (no parameters there, so the limit and the ids are written into
   * the text; both are integers checked here). The relay runs once per ingest batch, so at 2,000 events/s
   * its BEGIN and COMMIT were a third of the api's statements.
   */
  async publishBatch(limit: number, publish: (rows: PendingOutboxRow[]) => Promise<void>): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer: ${limit}`);
    const runner = this.manager.connection.createQueryRunner();
    const client = (await runner.connect()) as SimpleQueryClient;
    let open = true;
    try {
      const [, claim] = (await client.query(
        `BEGIN;
         SELECT id::text AS id, job_name AS "jobName", payload
           FROM outbox
          WHERE published_at IS NULL AND dead_at IS NULL
          ORDER BY outbox.id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED`,
      )) as [unknown, { rows: PendingOutboxRow[] }];
      const rows = claim.rows;
      if (rows.length > 0) {
        await publish(rows);
        const ids = rows.map((row) => {
          if (!/^[0-9]+$/.test(row.id)) throw new Error(`outbox id is not an integer: ${row.id}`);
          return row.id;
        });
        await client.query(`UPDATE outbox SET published_at = now() WHERE id IN (${ids.join(',')}); COMMIT`);
      } else {
        await client.query('COMMIT');
      }
      open = false;
      return rows.length;
    } finally {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /** Parks a row that can never be published (unknown job, invalid payload) so it stops blocking the relay. */
  async markDead(id: string, reason: string): Promise<void> {
    await this.manager.query(`UPDATE outbox SET dead_at = now(), last_error = $2 WHERE id = $1`, [
      id,
      reason,
    ]);
  }

  /** Rows not yet published, and the age of the oldest in seconds: the relay's lag. */
  async lag(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const rows = await this.manager.query<Array<{ pending: number; oldestAgeSeconds: number }>>(
      `SELECT count(*)::int AS pending,
              COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS "oldestAgeSeconds"
         FROM outbox WHERE published_at IS NULL AND dead_at IS NULL`,
    );
    return rows[0] ?? { pending: 0, oldestAgeSeconds: 0 };
  }

  /**
   * Published jobs with no sign of having run, published in [`publishedAfter`, `publishedBefore`) and
   * re-published fewer than `maxRedeliveries` times, oldest first: candidates for a job Redis lost. A
   * `notification.send` has run when its delivery has an outcome (not still 'sending'); a
   * `role-sync.member` when its member was synced after the row was published. The caller checks the
   * queue before acting.
   */
  async unconfirmedJobs(window: {
    publishedAfter: Date;
    publishedBefore: Date;
    maxRedeliveries: number;
    limit: number;
  }): Promise<Array<{ id: string; jobName: string; payload: unknown }>> {
    return this.manager.query(
      `SELECT o.id::text AS id, o.job_name AS "jobName", o.payload
         FROM outbox o
        WHERE o.published_at >= $1 AND o.published_at < $2 AND o.dead_at IS NULL AND o.redeliveries < $3
          AND (   (o.job_name = 'notification.send'
                   AND NOT EXISTS (
                         SELECT 1 FROM notification_delivery d
                          WHERE d.delivery_key = 'event:' || (o.payload->>'inboundEventId')
                            AND d.guild_id = o.payload->>'guildId'
                            AND d.status <> 'sending'))
               OR (o.job_name = 'role-sync.member'
                   AND NOT EXISTS (
                         SELECT 1 FROM discord_member m
                          WHERE m.guild_id = o.payload->>'guildId'
                            AND m.discord_user_id = o.payload->>'userId'
                            AND m.last_synced_at >= o.published_at)))
        ORDER BY o.published_at
        LIMIT $4`,
      [window.publishedAfter, window.publishedBefore, window.maxRedeliveries, window.limit],
    );
  }

  /** Hands published rows back to the relay, which publishes them again; counts the redelivery. */
  async republish(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.manager.query<Array<{ n: number }>>(
      `WITH again AS (
         UPDATE outbox SET published_at = NULL, redeliveries = redeliveries + 1
          WHERE id = ANY($1::bigint[]) AND published_at IS NOT NULL
         RETURNING 1)
       SELECT count(*)::int AS n FROM again`,
      [ids],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Deletes published rows older than `olderThan`; the outbox is a queue, not an archive. Dead rows stay
   * until someone has looked at them.
   */
  async prunePublished(olderThan: Date): Promise<number> {
    const result = await this.manager.query<Array<{ n: number }>>(
      `WITH gone AS (DELETE FROM outbox WHERE published_at < $1 AND dead_at IS NULL RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [olderThan],
    );
    return result[0]?.n ?? 0;
  }
}
