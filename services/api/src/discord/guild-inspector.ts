import type { APIChannel, APIGuild, APIRole } from 'discord-api-types/v10';
import {
  diagnoseGuild,
  DiscordRequestError,
  type DiscordBotClient,
  type GuildProblem,
} from '@inflow/discord';
import { problems, ProblemError } from '../http/problem';

/** Discord's view of one guild, as the bot sees it now. */
export interface GuildSnapshot {
  guild: Pick<APIGuild, 'id' | 'name' | 'owner_id'>;
  roles: APIRole[];
  channels: APIChannel[];
  botMember: { userId: string; roles: string[] };
}

/** What the diagnostics check in a guild. */
export interface DiagnosisTargets {
  offerRoles: ReadonlyArray<{ roleId: string; offerName: string }>;
  channels: ReadonlyArray<{ id: string; purpose: 'payment' | 'general' }>;
}

/**
 * Reads a guild through the bot and diagnoses it. Discord failures become problems the merchant can act
 * on: the bot gone from the guild (422), Discord busy or down (503 with Retry-After).
 */
export class GuildInspector {
  constructor(private readonly bot: DiscordBotClient) {}

  async snapshot(guildId: string): Promise<GuildSnapshot> {
    try {
      const [guild, roles, channels, botMember] = await Promise.all([
        this.bot.getGuild(guildId),
        this.bot.getGuildRoles(guildId),
        this.bot.getGuildChannels(guildId),
        this.bot.getBotMember(guildId),
      ]);
      return {
        guild: { id: guild.id, name: guild.name, owner_id: guild.owner_id },
        roles,
        channels: channels as APIChannel[],
        botMember: { userId: botMember.user.id, roles: botMember.roles },
      };
    } catch (error) {
      throw problemForDiscordFailure(error);
    }
  }

  diagnose(snapshot: GuildSnapshot, targets: DiagnosisTargets): GuildProblem[] {
    return diagnoseGuild({
      guild: { id: snapshot.guild.id, ownerId: snapshot.guild.owner_id },
      roles: snapshot.roles,
      botMember: snapshot.botMember,
      offerRoles: targets.offerRoles,
      channels: snapshot.channels.map((channel) => ({
        id: channel.id,
        name: 'name' in channel ? channel.name : null,
        type: channel.type,
        permission_overwrites:
          'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [],
      })),
      channelsToCheck: targets.channels,
    }).problems;
  }
}

/** The HTTP answer for a Discord failure while serving a merchant's request. */
export function problemForDiscordFailure(error: unknown): ProblemError {
  if (!(error instanceof DiscordRequestError))
    return problems.unavailableRetry('Discord could not be reached; try again shortly.', 5);
  const failure = error.classification;
  switch (failure.kind) {
    case 'guild_gone':
      return problems.unprocessable(
        'The bot is no longer in this Discord server. Install it again with the link from GET /discord/invite-link.',
        [],
        'bot-not-in-guild',
      );
    case 'needs_merchant_action':
      return problems.unprocessable(failure.fix, [], 'discord-setup');
    case 'rate_limited':
      return problems.unavailableRetry(
        'Discord asked us to slow down; try again shortly.',
        Math.max(1, Math.ceil(failure.retryAfterMs / 1000)),
      );
    case 'retryable':
      return problems.unavailableRetry('Discord could not be reached; try again shortly.', 5);
    case 'pending':
    case 'blocked':
    case 'token_invalid':
    case 'user_at_guild_cap':
    case 'bug':
      return new ProblemError(
        502,
        'discord-error',
        'Bad Gateway',
        'Discord refused a request we made; it was logged.',
      );
  }
}
