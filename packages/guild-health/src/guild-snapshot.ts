import type { APIChannel, APIGuild, APIRole } from 'discord-api-types/v10';
import type { DiscordBotClient } from '@inflow/discord';

/** Discord's view of one guild, as the bot sees it now. */
export interface GuildSnapshot {
  guild: Pick<APIGuild, 'id' | 'name' | 'owner_id'>;
  roles: APIRole[];
  channels: APIChannel[];
  botMember: { userId: string; roles: string[] };
}

/**
 * Reads the guild, then its roles, channels and the bot's member in parallel (four reads). The guild
 * first: when the bot can no longer see it (removed from it), the other three would only be refused too,
 * each one more invalid request counted against the bot.
 */
export async function readGuildSnapshot(bot: DiscordBotClient, guildId: string): Promise<GuildSnapshot> {
  const guild = await bot.getGuild(guildId);
  const [roles, channels, botMember] = await Promise.all([
    bot.getGuildRoles(guildId),
    bot.getGuildChannels(guildId),
    bot.getBotMember(guildId),
  ]);
  return {
    guild: { id: guild.id, name: guild.name, owner_id: guild.owner_id },
    roles,
    channels: channels as APIChannel[],
    botMember: { userId: botMember.user.id, roles: botMember.roles },
  };
}
