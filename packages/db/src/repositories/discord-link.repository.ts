import type { EntityManager } from 'typeorm';
import { DiscordLinkEntity, type DiscordLink } from '../entities/discord-link.entity';
import type { TokenCipher } from '../token-cipher';

/** The public part of a link: never the tokens. */
export type DiscordLinkSummary = Pick<
  DiscordLink,
  'discordUserId' | 'discordUsername' | 'linkedAt' | 'scopes' | 'tokenStatus'
>;

export class DiscordLinkRepository {
  constructor(private readonly manager: EntityManager) {}

  async findSummaryByCustomer(merchantId: string, customerId: string): Promise<DiscordLinkSummary | null> {
    return this.manager.getRepository(DiscordLinkEntity).findOne({
      select: { discordUserId: true, discordUsername: true, linkedAt: true, scopes: true, tokenStatus: true },
      where: { merchantId, customerId },
    });
  }

  /** The Discord user a customer linked, if any. */
  async discordUserIdOf(customerId: string): Promise<string | null> {
    const rows = await this.manager.query<Array<{ discord_user_id: string }>>(
      `SELECT discord_user_id FROM discord_link WHERE customer_id = $1`,
      [customerId],
    );
    return rows[0]?.discord_user_id ?? null;
  }

  /**
   * The link of a Discord user at a merchant with the tokens decrypted, for adding them to a guild.
   * Several customers of one merchant may share a Discord account (the merchant's policy allows it);
   * the one with the freshest valid token is returned.
   */
  async findWithTokens(
    merchantId: string,
    discordUserId: string,
    cipher: TokenCipher,
  ): Promise<LinkWithTokens | null> {
    const link = await this.manager.getRepository(DiscordLinkEntity).findOne({
      where: { merchantId, discordUserId, tokenStatus: 'valid' },
      order: { tokenExpiresAt: { direction: 'DESC', nulls: 'LAST' } },
    });
    if (link === null || link.accessTokenEnc === null) return null;
    return {
      linkId: link.id,
      customerId: link.customerId,
      discordUserId: link.discordUserId,
      scopes: link.scopes,
      accessToken: cipher.decrypt(link.accessTokenEnc),
      refreshToken: link.refreshTokenEnc === null ? null : cipher.decrypt(link.refreshTokenEnc),
      expiresAt: link.tokenExpiresAt,
    };
  }

  /**
   * Links a customer to a Discord account (replacing any previous account of that customer) with the
   * tokens encrypted. Returns the Discord user id the customer was linked to before, if another.
   */
  async link(
    input: {
      merchantId: string;
      customerId: string;
      discordUserId: string;
      discordUsername: string;
      tokens: { accessToken: string; refreshToken: string; expiresAt: Date; scopes: readonly string[] };
    },
    cipher: TokenCipher,
  ): Promise<{ previousDiscordUserId: string | null }> {
    const previous = await this.manager.query<Array<{ discord_user_id: string }>>(
      `SELECT discord_user_id FROM discord_link WHERE merchant_id = $1 AND customer_id = $2 FOR UPDATE`,
      [input.merchantId, input.customerId],
    );
    await this.manager.query(
      `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id, discord_username, access_token_enc,
                                 refresh_token_enc, token_expires_at, scopes, token_status, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], 'valid', now())
       ON CONFLICT (customer_id) DO UPDATE
          SET discord_user_id = EXCLUDED.discord_user_id, discord_username = EXCLUDED.discord_username,
              access_token_enc = EXCLUDED.access_token_enc, refresh_token_enc = EXCLUDED.refresh_token_enc,
              token_expires_at = EXCLUDED.token_expires_at, scopes = EXCLUDED.scopes, token_status = 'valid',
              linked_at = CASE WHEN discord_link.discord_user_id = EXCLUDED.discord_user_id THEN discord_link.linked_at ELSE now() END,
              updated_at = now()`,
      [
        input.merchantId,
        input.customerId,
        input.discordUserId,
        input.discordUsername,
        cipher.encrypt(input.tokens.accessToken),
        cipher.encrypt(input.tokens.refreshToken),
        input.tokens.expiresAt,
        [...input.tokens.scopes],
      ],
    );
    const before = previous[0]?.discord_user_id ?? null;
    return { previousDiscordUserId: before !== null && before !== input.discordUserId ? before : null };
  }

  /** Removes a customer's link; returns what it was (for revoking the token and re-syncing roles). */
  async unlink(merchantId: string, customerId: string, cipher: TokenCipher): Promise<LinkWithTokens | null> {
    const rows = await this.manager.query<
      Array<{
        id: string;
        discord_user_id: string;
        scopes: string[];
        access_token_enc: Buffer | null;
        refresh_token_enc: Buffer | null;
        token_expires_at: Date | null;
      }>
    >(
      `WITH removed AS (DELETE FROM discord_link WHERE merchant_id = $1 AND customer_id = $2
                        RETURNING id, discord_user_id, scopes, access_token_enc, refresh_token_enc, token_expires_at)
       SELECT * FROM removed`,
      [merchantId, customerId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      linkId: row.id,
      customerId,
      discordUserId: row.discord_user_id,
      scopes: row.scopes,
      accessToken: row.access_token_enc === null ? '' : cipher.decrypt(row.access_token_enc),
      refreshToken: row.refresh_token_enc === null ? null : cipher.decrypt(row.refresh_token_enc),
      expiresAt: row.token_expires_at,
    };
  }

  /** Stores refreshed tokens (both rotate on Discord), encrypted. */
  async storeTokens(
    linkId: string,
    tokens: { accessToken: string; refreshToken: string; expiresAt: Date; scopes: readonly string[] },
    cipher: TokenCipher,
  ): Promise<void> {
    await this.manager.getRepository(DiscordLinkEntity).update(
      { id: linkId },
      {
        accessTokenEnc: cipher.encrypt(tokens.accessToken),
        refreshTokenEnc: cipher.encrypt(tokens.refreshToken),
        tokenExpiresAt: tokens.expiresAt,
        scopes: [...tokens.scopes],
        tokenStatus: 'valid',
        updatedAt: new Date(),
      },
    );
  }

  /** The token stopped working on Discord's side (revoked, 50025): the customer has to connect again. */
  async markTokenRevoked(linkId: string): Promise<void> {
    await this.manager
      .getRepository(DiscordLinkEntity)
      .update(
        { id: linkId },
        { tokenStatus: 'revoked', accessTokenEnc: null, refreshTokenEnc: null, updatedAt: new Date() },
      );
  }

  /** The customers of a merchant linked to a Discord account, with their merchant ids (the member search). */
  async customersOf(
    merchantId: string,
    discordUserId: string,
  ): Promise<Array<{ customerId: string; externalId: string }>> {
    const rows = await this.manager.query<Array<{ id: string; external_id: string }>>(
      `SELECT c.id, c.external_id FROM discord_link l JOIN customer c ON c.id = l.customer_id
        WHERE l.merchant_id = $1 AND l.discord_user_id = $2 ORDER BY c.external_id`,
      [merchantId, discordUserId],
    );
    return rows.map((row) => ({ customerId: row.id, externalId: row.external_id }));
  }

  /** Other customers of the merchant linked to this Discord account (the duplicate-link policy). */
  async otherCustomersLinkedTo(
    merchantId: string,
    discordUserId: string,
    customerId: string,
  ): Promise<string[]> {
    const rows = await this.manager.query<Array<{ customer_id: string }>>(
      `SELECT customer_id FROM discord_link WHERE merchant_id = $1 AND discord_user_id = $2 AND customer_id <> $3`,
      [merchantId, discordUserId, customerId],
    );
    return rows.map((row) => row.customer_id);
  }

  /** Whether the Discord user is linked to any customer of the guild's merchant (gateway filtering). */
  async isLinkedInGuild(guildId: string, discordUserId: string): Promise<boolean> {
    const rows = await this.manager.query<unknown[]>(
      `SELECT 1 FROM discord_link l JOIN discord_guild g ON g.merchant_id = l.merchant_id
        WHERE g.guild_id = $1 AND l.discord_user_id = $2 LIMIT 1`,
      [guildId, discordUserId],
    );
    return rows.length > 0;
  }
}

/** A link with its tokens in clear: keep it in memory for one call, never log or queue it. */
export interface LinkWithTokens {
  linkId: string;
  customerId: string;
  discordUserId: string;
  scopes: string[];
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
}
