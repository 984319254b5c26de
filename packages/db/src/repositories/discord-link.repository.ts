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
      scopes: link.scopes,
      accessToken: cipher.decrypt(link.accessTokenEnc),
      refreshToken: link.refreshTokenEnc === null ? null : cipher.decrypt(link.refreshTokenEnc),
      expiresAt: link.tokenExpiresAt,
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
  scopes: string[];
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
}
