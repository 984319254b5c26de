import type { EntityManager } from 'typeorm';

export interface NewInboundEvent {
  merchantId: string;
  externalId: string;
  type: string;
  occurredAt: Date;
  bodyHash: Buffer;
  body: unknown;
}

export type RecordEventResult =
  { recorded: true; id: string } | { recorded: false; id: string; bodyHash: Buffer };

export class InboundEventRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Records the event unless this merchant already sent one with this id. Concurrent calls with one id
   * serialise on the unique index: exactly one records it, the others see the stored row (and its body
   * hash, to tell a retry from a conflicting reuse of the id).
   */
  async recordIfNew(event: NewInboundEvent): Promise<RecordEventResult> {
    const inserted = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO inbound_event (merchant_id, external_id, type, occurred_at, body_hash, body, applied)
       VALUES ($1, $2, $3, $4, $5, $6, false)
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING id`,
      [
        event.merchantId,
        event.externalId,
        event.type,
        event.occurredAt,
        event.bodyHash,
        JSON.stringify(event.body),
      ],
    );
    if (inserted[0] !== undefined) return { recorded: true, id: inserted[0].id };
    const existing = await this.findByExternalId(event.merchantId, event.externalId);
    if (existing === null) throw new Error('inbound event vanished between insert and read');
    return { recorded: false, ...existing };
  }

  async findByExternalId(
    merchantId: string,
    externalId: string,
  ): Promise<{ id: string; bodyHash: Buffer } | null> {
    const rows = await this.manager.query<Array<{ id: string; body_hash: Buffer }>>(
      `SELECT id, body_hash FROM inbound_event WHERE merchant_id = $1 AND external_id = $2`,
      [merchantId, externalId],
    );
    return rows[0] === undefined ? null : { id: rows[0].id, bodyHash: rows[0].body_hash };
  }

  async markOutcome(id: string, subscriptionId: string, applied: boolean): Promise<void> {
    await this.manager.query(`UPDATE inbound_event SET subscription_id = $2, applied = $3 WHERE id = $1`, [
      id,
      subscriptionId,
      applied,
    ]);
  }

  /** What a notification needs of an event, read by the notification worker. */
  async findById(
    id: string,
  ): Promise<{ id: string; merchantId: string; type: string; body: unknown; occurredAt: Date } | null> {
    const rows = await this.manager.query<
      Array<{ id: string; merchant_id: string; type: string; body: unknown; occurred_at: Date }>
    >(`SELECT id, merchant_id, type, body, occurred_at FROM inbound_event WHERE id = $1`, [id]);
    const row = rows[0];
    return row === undefined
      ? null
      : {
          id: row.id,
          merchantId: row.merchant_id,
          type: row.type,
          body: row.body,
          occurredAt: row.occurred_at,
        };
  }
}
