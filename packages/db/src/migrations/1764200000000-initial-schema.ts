import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema. Every merchant-owned row carries merchant_id, and foreign keys between merchant-owned
 * tables include it, so a row can never point at another merchant's row even through a bug.
 */
export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE merchant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        -- What to do when one Discord account is linked to two customers of this merchant.
        duplicate_discord_link_policy text NOT NULL DEFAULT 'allow'
          CHECK (duplicate_discord_link_policy IN ('allow', 'refuse')),
        -- The mass-removal brake: a sync run removing more than this share of a guild's managed roles is held.
        mass_removal_threshold numeric(4, 3) NOT NULL DEFAULT 0.5
          CHECK (mass_removal_threshold > 0 AND mass_removal_threshold <= 1),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- Keys are shown once and stored as SHA-256 of the whole key; the prefix lets a merchant tell keys apart.
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        key_hash bytea NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        label text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_key_merchant_idx ON api_key (merchant_id);

      -- A guild belongs to at most one merchant: the bot install binds it.
      CREATE TABLE discord_guild (
        guild_id text PRIMARY KEY CHECK (guild_id ~ '^[1-9][0-9]{16,19}$'),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        name text NOT NULL DEFAULT '',
        install_status text NOT NULL DEFAULT 'installed' CHECK (install_status IN ('installed', 'removed')),
        installed_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        payment_channel_id text CHECK (payment_channel_id ~ '^[1-9][0-9]{16,19}$'),
        general_channel_id text CHECK (general_channel_id ~ '^[1-9][0-9]{16,19}$'),
        invite_url text,
        notify_payment_succeeded boolean NOT NULL DEFAULT true,
        notify_payment_failed boolean NOT NULL DEFAULT true,
        notify_subscription_created boolean NOT NULL DEFAULT true,
        notify_subscription_canceled boolean NOT NULL DEFAULT true,
        -- healthy | needs_action (merchant must fix permissions or mappings) | unreachable (403/404 for the bot)
        health_status text NOT NULL DEFAULT 'healthy' CHECK (health_status IN ('healthy', 'needs_action', 'unreachable')),
        health_detail jsonb NOT NULL DEFAULT '[]'::jsonb,
        health_checked_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, guild_id)
      );

      CREATE TABLE offer (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        amount_in_cents bigint NOT NULL CHECK (amount_in_cents >= 0),
        currency char(3) NOT NULL,
        billing_interval text NOT NULL CHECK (billing_interval IN ('day', 'week', 'month', 'year')),
        interval_count integer NOT NULL CHECK (interval_count >= 1),
        discord_guild_id text,
        discord_role_id text CHECK (discord_role_id ~ '^[1-9][0-9]{16,19}$'),
        grace_period_days integer NOT NULL DEFAULT 0 CHECK (grace_period_days >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, id),
        CHECK ((discord_guild_id IS NULL) = (discord_role_id IS NULL)),
        FOREIGN KEY (merchant_id, discord_guild_id) REFERENCES discord_guild (merchant_id, guild_id)
      );
      CREATE INDEX offer_merchant_idx ON offer (merchant_id, created_at);
      CREATE INDEX offer_guild_role_idx ON offer (discord_guild_id, discord_role_id) WHERE discord_guild_id IS NOT NULL;

      CREATE TABLE customer (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        external_id text NOT NULL,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, external_id),
        UNIQUE (merchant_id, id)
      );

      CREATE TABLE subscription (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        external_id text NOT NULL,
        customer_id uuid NOT NULL,
        offer_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'TRIALING', 'PAST_DUE', 'CANCELED', 'EXPIRED')),
        current_period_end timestamptz,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        past_due_since timestamptz,
        -- When the access this subscription grants ends by the clock (grace over, canceled period over),
        -- derived from status, period end, past-due since and the offer's grace period whenever one of them
        -- changes. The cleanup sweep reads only this column, so its cost follows the work due, not the table.
        access_ends_at timestamptz,
        last_event_at timestamptz NOT NULL,
        last_event_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, external_id),
        FOREIGN KEY (merchant_id, customer_id) REFERENCES customer (merchant_id, id),
        FOREIGN KEY (merchant_id, offer_id) REFERENCES offer (merchant_id, id)
      );
      CREATE INDEX subscription_customer_idx ON subscription (customer_id);
      CREATE INDEX subscription_offer_idx ON subscription (offer_id);
      -- The cleanup query: access that ended by the clock since the last sweep, in keyset order.
      CREATE INDEX subscription_access_ends_idx ON subscription (access_ends_at, id) WHERE access_ends_at IS NOT NULL;
      CREATE INDEX subscription_status_period_end_idx ON subscription (status, current_period_end);
      CREATE INDEX subscription_status_past_due_idx ON subscription (status, past_due_since) WHERE status = 'PAST_DUE';

      -- A customer's Discord account. OAuth tokens are AES-256-GCM ciphertexts (never clear text at rest).
      CREATE TABLE discord_link (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL UNIQUE,
        discord_user_id text NOT NULL CHECK (discord_user_id ~ '^[1-9][0-9]{16,19}$'),
        discord_username text NOT NULL DEFAULT '',
        access_token_enc bytea,
        refresh_token_enc bytea,
        token_expires_at timestamptz,
        scopes text[] NOT NULL DEFAULT '{}',
        token_status text NOT NULL DEFAULT 'valid' CHECK (token_status IN ('valid', 'revoked', 'expired')),
        linked_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (merchant_id, customer_id) REFERENCES customer (merchant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX discord_link_user_idx ON discord_link (discord_user_id, merchant_id);

      -- A Discord user in a guild, as last seen (gateway member events, or a read when unknown or stale).
      CREATE TABLE discord_member (
        guild_id text NOT NULL,
        discord_user_id text NOT NULL CHECK (discord_user_id ~ '^[1-9][0-9]{16,19}$'),
        merchant_id uuid NOT NULL,
        presence text NOT NULL DEFAULT 'unknown' CHECK (presence IN ('unknown', 'member', 'absent')),
        -- Every role the member held when last seen (managed or not); null when never seen.
        roles_seen text[],
        roles_seen_at timestamptz,
        last_synced_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (guild_id, discord_user_id),
        FOREIGN KEY (merchant_id, guild_id) REFERENCES discord_guild (merchant_id, guild_id) ON DELETE CASCADE
      );
      CREATE INDEX discord_member_last_synced_idx ON discord_member (last_synced_at NULLS FIRST);

      -- One managed role of one member: what it should be, what Discord has as last applied, and why not.
      CREATE TABLE role_grant (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        guild_id text NOT NULL,
        discord_user_id text NOT NULL,
        role_id text NOT NULL CHECK (role_id ~ '^[1-9][0-9]{16,19}$'),
        desired boolean NOT NULL,
        applied boolean NOT NULL DEFAULT false,
        -- synced | pending (waiting for the member to join) | held (mass-removal brake) | blocked (banned)
        -- | needs_action (merchant must fix permissions or mapping) | failed (retries exhausted)
        sync_state text NOT NULL DEFAULT 'pending'
          CHECK (sync_state IN ('synced', 'pending', 'held', 'blocked', 'needs_action', 'failed')),
        last_error text,
        last_error_code integer,
        applied_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (guild_id, discord_user_id, role_id),
        FOREIGN KEY (guild_id, discord_user_id) REFERENCES discord_member (guild_id, discord_user_id) ON DELETE CASCADE
      );
      CREATE INDEX role_grant_merchant_idx ON role_grant (merchant_id, guild_id);

      -- Every event a merchant sent, stale or not. Idempotency: one row per (merchant, event id); the body
      -- hash tells a retry (same body) from a conflicting reuse of the id (different body).
      CREATE TABLE inbound_event (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        external_id text NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        body_hash bytea NOT NULL,
        body jsonb NOT NULL,
        subscription_id uuid REFERENCES subscription (id) ON DELETE SET NULL,
        -- false when the event was older than the last applied one: recorded, state unchanged.
        applied boolean NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, external_id)
      );
      CREATE INDEX inbound_event_subscription_idx ON inbound_event (subscription_id, occurred_at);

      -- Jobs to publish, written in the same transaction as the state change that needs them. The relay
      -- publishes and stamps published_at; rows that can never be published are parked as dead.
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job_name text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        dead_at timestamptz,
        last_error text
      );
      CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL AND dead_at IS NULL;

      -- Every role change and notification, with its reason: the merchant's activity page and our audit trail.
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        guild_id text,
        discord_user_id text,
        role_id text,
        kind text NOT NULL,
        reason text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_log_merchant_time_idx ON audit_log (merchant_id, created_at DESC);
      CREATE INDEX audit_log_guild_time_idx ON audit_log (merchant_id, guild_id, created_at DESC);

      -- OAuth state values (bot installs, customer links): stored hashed, single-use, expiring, bound to a
      -- merchant and, for customers, to a portal session.
      CREATE TABLE oauth_state (
        state_hash bytea PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('bot-install', 'customer-link')),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        portal_session_id uuid,
        code_verifier text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      );
      CREATE INDEX oauth_state_expires_idx ON oauth_state (expires_at);

      -- Short-lived customer portal sessions: the token travels in the link, only its hash is stored.
      CREATE TABLE portal_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id uuid NOT NULL REFERENCES merchant (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (merchant_id, customer_id) REFERENCES customer (merchant_id, id) ON DELETE CASCADE
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE portal_session;
      DROP TABLE oauth_state;
      DROP TABLE audit_log;
      DROP TABLE outbox;
      DROP TABLE inbound_event;
      DROP TABLE role_grant;
      DROP TABLE discord_member;
      DROP TABLE discord_link;
      DROP TABLE subscription;
      DROP TABLE customer;
      DROP TABLE offer;
      DROP TABLE discord_guild;
      DROP TABLE api_key;
      DROP TABLE merchant;
    `);
  }
}
