import type { EntityManager } from 'typeorm';

export interface MerchantAlert {
  id: string;
  merchantId: string;
  guildId: string;
  kind: string;
  subject: string;
  message: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
  notifiedAt: Date | null;
}

interface AlertRow {
  id: string;
  merchant_id: string;
  guild_id: string;
  kind: string;
  subject: string;
  message: string;
  first_seen_at: Date;
  last_seen_at: Date;
  occurrences: number;
  notified_at: Date | null;
}

function toAlert(row: AlertRow): MerchantAlert {
  return {
    id: String(row.id),
    merchantId: row.merchant_id,
    guildId: row.guild_id,
    kind: row.kind,
    subject: row.subject,
    message: row.message,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    occurrences: row.occurrences,
    notifiedAt: row.notified_at,
  };
}

/** Problems the merchant must fix: one open alert per (guild, kind, subject), however often it recurs. */
export class MerchantAlertRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Opens the alert, or counts one more occurrence of the open one; `opened` is true the first time.
   * Opening it also queues its notification to the guild (in the same statement, so an alert is never
   * opened without its notification, whoever raised it).
   */
  async raise(
    merchantId: string,
    guildId: string,
    kind: string,
    subject: string,
    message: string,
  ): Promise<{ alert: MerchantAlert; opened: boolean }> {
    const rows = await this.manager.query<Array<AlertRow & { inserted: boolean }>>(
      `INSERT INTO merchant_alert (merchant_id, guild_id, kind, subject, message) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (guild_id, kind, subject) WHERE resolved_at IS NULL DO UPDATE
          SET occurrences = merchant_alert.occurrences + 1, last_seen_at = now(), message = EXCLUDED.message
       RETURNING *, (xmax = 0) AS inserted`,
      [merchantId, guildId, kind, subject, message],
    );
    const row = rows[0]!;
    if (row.inserted) {
      await this.manager.query(
        `INSERT INTO outbox (job_name, payload) VALUES ('notification.alert', jsonb_build_object('alertId', $1::text))`,
        [String(row.id)],
      );
    }
    return { alert: toAlert(row), opened: row.inserted };
  }

  /** Resolves open alerts of the guild of this kind (and subject, when given). Returns how many. */
  async resolve(guildId: string, kind: string, subject?: string): Promise<number> {
    const rows = await this.manager.query<Array<{ n: number }>>(
      `WITH resolved AS (
         UPDATE merchant_alert SET resolved_at = now()
          WHERE guild_id = $1 AND kind = $2 AND ($3::text IS NULL OR subject = $3) AND resolved_at IS NULL
          RETURNING 1)
       SELECT count(*)::int AS n FROM resolved`,
      [guildId, kind, subject ?? null],
    );
    return rows[0]?.n ?? 0;
  }

  /** Marks an alert as told to the merchant (posted to Discord); false when someone else did first. */
  async markNotified(alertId: string): Promise<boolean> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `WITH marked AS (UPDATE merchant_alert SET notified_at = now() WHERE id = $1 AND notified_at IS NULL RETURNING id)
       SELECT id FROM marked`,
      [alertId],
    );
    return rows.length > 0;
  }

  async find(alertId: string): Promise<(MerchantAlert & { resolved: boolean }) | null> {
    const rows = await this.manager.query<Array<AlertRow & { resolved_at: Date | null }>>(
      `SELECT * FROM merchant_alert WHERE id = $1`,
      [alertId],
    );
    const row = rows[0];
    return row === undefined ? null : { ...toAlert(row), resolved: row.resolved_at !== null };
  }

  async listOpen(merchantId: string, guildId?: string): Promise<MerchantAlert[]> {
    const rows = await this.manager.query<AlertRow[]>(
      `SELECT * FROM merchant_alert WHERE merchant_id = $1 AND resolved_at IS NULL AND ($2::text IS NULL OR guild_id = $2)
        ORDER BY last_seen_at DESC`,
      [merchantId, guildId ?? null],
    );
    return rows.map(toAlert);
  }
}
