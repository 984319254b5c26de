import type { TestDatabase } from '@inflow/testing';

/** What Postgres holds of a merchant's events after a scenario, checked against what was sent. */
export interface StoreCheck {
  /** Distinct events sent, and how many of them Postgres recorded. */
  eventsSent: number;
  eventsRecorded: number;
  /** Subscriptions whose status is that of their newest event. */
  statusesCorrect: number;
  statusesTotal: number;
  /** Rows one event's transaction writes together, found without their partners: never expected. */
  halfWritten: string[];
}

const NOTIFYING = ['payment.succeeded', 'payment.failed', 'subscription.created', 'subscription.canceled'];

/**
 * Checks that every event the api took is there with everything its transaction writes (outcome,
 * subscription state, outbox rows) and nothing more, and that each subscription is in the state of its
 * newest event. `expected` maps subscription ids to the status of their newest event.
 */
export async function checkStore(
  t: TestDatabase,
  merchantId: string,
  expected: ReadonlyMap<string, string>,
  eventsSent: number,
): Promise<StoreCheck> {
  const halfWritten: string[] = [];
  const [recorded] = await t.sql<{ count: string }>(
    `SELECT count(*) FROM inbound_event WHERE merchant_id = $1`,
    [merchantId],
  );
  const statuses = await t.sql<{ external_id: string; status: string }>(
    `SELECT external_id, status FROM subscription WHERE merchant_id = $1`,
    [merchantId],
  );
  const actual = new Map(statuses.map((row) => [row.external_id, row.status]));
  let statusesCorrect = 0;
  for (const [id, status] of expected) if (actual.get(id) === status) statusesCorrect += 1;
  for (const id of actual.keys()) if (!expected.has(id)) halfWritten.push(`subscription ${id} nobody sent`);

  for (const row of await t.sql<{ external_id: string }>(
    `SELECT external_id FROM inbound_event WHERE merchant_id = $1 AND subscription_id IS NULL`,
    [merchantId],
  ))
    halfWritten.push(`event ${row.external_id} without its outcome`);
  for (const row of await t.sql<{ external_id: string }>(
    `SELECT s.external_id FROM subscription s
      WHERE s.merchant_id = $1
        AND NOT EXISTS (SELECT 1 FROM inbound_event e WHERE e.merchant_id = s.merchant_id AND e.external_id = s.last_event_id)`,
    [merchantId],
  ))
    halfWritten.push(`subscription ${row.external_id} set by an event that is not recorded`);
  for (const row of await t.sql<{ external_id: string }>(
    `SELECT e.external_id FROM inbound_event e
      WHERE e.merchant_id = $1 AND e.type = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_name = 'notification.send' AND o.payload->>'inboundEventId' = e.id::text)`,
    [merchantId, NOTIFYING],
  ))
    halfWritten.push(`event ${row.external_id} without its notification job`);
  // Every applied event of a linked customer asks, in its transaction (same now()) or later, for a sync
  // of its member in its offer's guild. (Events of one member may share one request: a sync reads the
  // state as it is then.) The scenarios never move a subscription between offers.
  for (const row of await t.sql<{ external_id: string }>(
    `SELECT e.external_id FROM inbound_event e
       JOIN subscription s ON s.id = e.subscription_id
       JOIN offer o ON o.id = s.offer_id AND o.discord_guild_id IS NOT NULL
       JOIN discord_link l ON l.customer_id = s.customer_id
      WHERE e.merchant_id = $1 AND e.applied
        AND NOT EXISTS (SELECT 1 FROM outbox x
                         WHERE x.job_name = 'role-sync.member' AND x.created_at >= e.received_at
                           AND x.payload->>'guildId' = o.discord_guild_id
                           AND x.payload->>'userId' = l.discord_user_id)`,
    [merchantId],
  ))
    halfWritten.push(`applied event ${row.external_id} without a role-sync job for its member`);

  return {
    eventsSent,
    eventsRecorded: Number(recorded?.count ?? 0),
    statusesCorrect,
    statusesTotal: expected.size,
    halfWritten,
  };
}
