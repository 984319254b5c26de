import type { EntityManager } from 'typeorm';

export type DeliveryStatus = 'sending' | 'sent' | 'skipped' | 'failed';

export interface NotificationDelivery {
  id: string;
  merchantId: string;
  guildId: string;
  deliveryKey: string;
  kind: string;
  channelId: string | null;
  nonce: string;
  status: DeliveryStatus;
  messageId: string | null;
  attempts: number;
  lastError: string | null;
}

interface Row {
  id: string;
  merchant_id: string;
  guild_id: string;
  delivery_key: string;
  kind: string;
  channel_id: string | null;
  nonce: string;
  status: DeliveryStatus;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
}

function toDelivery(row: Row): NotificationDelivery {
  return {
    id: String(row.id),
    merchantId: row.merchant_id,
    guildId: row.guild_id,
    deliveryKey: row.delivery_key,
    kind: row.kind,
    channelId: row.channel_id,
    nonce: row.nonce,
    status: row.status,
    messageId: row.message_id,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

/**
 * One row per (thing notified, guild), written before Discord is called: a retry finds it and either
 * stops (already sent) or sends again with the same nonce, which Discord deduplicates.
 */
export class NotificationDeliveryRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The delivery for this key and guild, created in state 'sending' with `nonce` when new; counts an attempt. */
  async begin(input: {
    merchantId: string;
    guildId: string;
    deliveryKey: string;
    kind: string;
    channelId: string | null;
    nonce: string;
  }): Promise<NotificationDelivery> {
    const rows = await this.manager.query<Row[]>(
      `INSERT INTO notification_delivery (merchant_id, guild_id, delivery_key, kind, channel_id, nonce, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, 1)
       ON CONFLICT (delivery_key, guild_id) DO UPDATE SET attempts = notification_delivery.attempts + 1
       RETURNING *`,
      [input.merchantId, input.guildId, input.deliveryKey, input.kind, input.channelId, input.nonce],
    );
    return toDelivery(rows[0]!);
  }

  async finish(
    id: string,
    status: Exclude<DeliveryStatus, 'sending'>,
    details: { messageId?: string | null; error?: string | null } = {},
  ): Promise<void> {
    await this.manager.query(
      `UPDATE notification_delivery SET status = $2, message_id = COALESCE($3, message_id), last_error = $4,
              sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
        WHERE id = $1`,
      [id, status, details.messageId ?? null, details.error ?? null],
    );
  }

  async find(deliveryKey: string, guildId: string): Promise<NotificationDelivery | null> {
    const rows = await this.manager.query<Row[]>(
      `SELECT * FROM notification_delivery WHERE delivery_key = $1 AND guild_id = $2`,
      [deliveryKey, guildId],
    );
    return rows[0] === undefined ? null : toDelivery(rows[0]);
  }
}
