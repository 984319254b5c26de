import type { EntityManager } from 'typeorm';
import { RoleGrantEntity, type RoleGrant } from '../entities/role-grant.entity';

export class RoleGrantRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The grants of one member in one guild for the given roles (those without a row are not returned). */
  async findFor(guildId: string, discordUserId: string, roleIds: readonly string[]): Promise<RoleGrant[]> {
    if (roleIds.length === 0) return [];
    return this.manager
      .getRepository(RoleGrantEntity)
      .createQueryBuilder('g')
      .where('g.guild_id = :guildId AND g.discord_user_id = :discordUserId AND g.role_id IN (:...roleIds)', {
        guildId,
        discordUserId,
        roleIds: [...roleIds],
      })
      .getMany();
  }
}
