import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the role pipeline needs beyond the first schema: sweep bookkeeping and merchant alerts. */
export class RolePipeline1764300000000 implements MigrationInterface {
  name = 'RolePipeline1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      -- How far each periodic sweep has looked, so the next one starts where it stopped.
      CREATE TABLE sweep_cursor (
        name text PRIMARY KEY,
        swept_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Subscriptions that stopped granting by an event since the last sweep (the sweep re-checks them in
      -- case the event's own role sync was lost). Partial: only the statuses that end access.
      CREATE INDEX subscription_ended_by_event_idx ON subscription (updated_at, id)
        WHERE status IN ('PAST_DUE', 'CANCELED', 'EXPIRED');

      -- A problem the merchant must fix, raised once however many members it affects, until resolved.
      CREATE TABLE merchant_alert (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        guild_id text NOT NULL,
        kind text NOT NULL,
        -- What the problem is about (a role or channel id), '' when the whole guild.
        subject text NOT NULL DEFAULT '',
        message text NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        occurrences integer NOT NULL DEFAULT 1,
        notified_at timestamptz,
        resolved_at timestamptz
      );
      CREATE UNIQUE INDEX merchant_alert_open_idx ON merchant_alert (guild_id, kind, subject) WHERE resolved_at IS NULL;
      CREATE INDEX merchant_alert_merchant_idx ON merchant_alert (merchant_id, resolved_at, last_seen_at DESC);

      CREATE INDEX role_grant_state_idx ON role_grant (guild_id, sync_state) WHERE sync_state <> 'synced';
      CREATE INDEX audit_log_guild_kind_time_idx ON audit_log (guild_id, kind, created_at DESC);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX audit_log_guild_kind_time_idx;
      DROP INDEX role_grant_state_idx;
      DROP TABLE merchant_alert;
      DROP INDEX subscription_ended_by_event_idx;
      DROP TABLE sweep_cursor;
    `);
  }
}
