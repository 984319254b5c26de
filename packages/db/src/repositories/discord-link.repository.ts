import type { EntityManager } from 'typeorm';
import { DiscordLinkEntity, type DiscordLink } from '../entities/discord-link.entity';

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
}
