import { DiscordRequestError, type DiscordBotClient, type GuildProblem } from '@inflow/discord';
import {
  diagnoseSnapshot,
  readGuildSnapshot,
  type DiagnosisTargets,
  type GuildSnapshot,
} from '@inflow/guild-health';
import { problems, ProblemError } from '../http/problem';

/**
 * Reads a guild through the bot for a merchant's request. Discord failures become problems the merchant
 * can act on: the bot gone from the guild (422), Discord busy or down (503 with Retry-After).
 */
export class GuildInspector {
  constructor(private readonly bot: DiscordBotClient) {}

  async snapshot(guildId: string): Promise<GuildSnapshot> {
    try {
      return await readGuildSnapshot(this.bot, guildId);
    } catch (error) {
      throw problemForDiscordFailure(error);
    }
  }

  diagnose(snapshot: GuildSnapshot, targets: DiagnosisTargets): GuildProblem[] {
    return diagnoseSnapshot(snapshot, targets);
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
