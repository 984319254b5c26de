import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notification deliveries, recorded before Discord is called so that a retried job never posts twice. */
export class Notifications1764400000000 implements MigrationInterface {
  name = 'Notifications1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification_delivery (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        guild_id text NOT NULL,
        -- What was notified: 'event:<inbound event id>' or 'alert:<alert id>'; one delivery per (key, guild).
        delivery_key text NOT NULL,
        kind text NOT NULL,
        channel_id text,
        -- Sent with enforce_nonce: Discord answers a repeat of the same nonce with the first message.
        nonce text NOT NULL,
        status text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'skipped', 'failed')),
        message_id text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (delivery_key, guild_id)
      );
      CREATE INDEX notification_delivery_merchant_idx ON notification_delivery (merchant_id, created_at DESC);

      -- A channel Discord refused (deleted, no access): notifications to it stop until the merchant fixes it.
      ALTER TABLE discord_guild ADD COLUMN broken_channels jsonb NOT NULL DEFAULT '{}'::jsonb;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE discord_guild DROP COLUMN broken_channels;
      DROP TABLE notification_delivery;
    `);
  }
}
