import { botInstallUrl, DiscordRequestError, OAuthError, type DiscordOAuthClient } from '@inflow/discord';
import type { Database } from '@inflow/db';
import { hashOpaqueToken, newOpaqueToken } from '../auth/opaque-token';
import type { GuildService } from './guild.service';

const STATE_TTL_MS = 10 * 60 * 1000;

export interface GuildInstallConfig {
  authorizeUrl: string;
  clientId: string;
  /** `${PUBLIC_URL}/oauth/discord/bot-callback`, registered with the Discord application. */
  redirectUri: string;
}

/** Query of `GET /oauth/discord/bot-callback`. */
export interface BotCallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  guild_id?: string | undefined;
  permissions?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

/** What the browser is shown after the install: a status and a page. */
export interface InstallOutcome {
  status: number;
  title: string;
  paragraphs: string[];
}

/**
 * Installing the bot in a merchant's guild: a single-use, expiring install link bound to the merchant,
 * and the return from Discord that binds the guild to that merchant.
 */
export class GuildInstallService {
  constructor(
    private readonly db: Database,
    private readonly oauth: DiscordOAuthClient,
    private readonly guilds: GuildService,
    private readonly config: GuildInstallConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async inviteLink(merchantId: string): Promise<{ url: string; expiresAt: string }> {
    const { token, hash } = newOpaqueToken();
    const expiresAt = new Date(this.now().getTime() + STATE_TTL_MS);
    await this.db.repositories.oauthStates.create({
      stateHash: hash,
      purpose: 'bot-install',
      merchantId,
      expiresAt,
    });
    const url = botInstallUrl({
      authorizeUrl: this.config.authorizeUrl,
      clientId: this.config.clientId,
      redirectUri: this.config.redirectUri,
      state: token,
    });
    return { url, expiresAt: expiresAt.toISOString() };
  }

  async complete(query: BotCallbackQuery): Promise<InstallOutcome> {
    if (query.error !== undefined) {
      return {
        status: 400,
        title: 'The bot was not added',
        paragraphs: [
          query.error === 'access_denied'
            ? 'The installation was cancelled on Discord. Nothing changed; you can start again from your dashboard.'
            : `Discord answered "${query.error}". Nothing changed; start again from your dashboard.`,
        ],
      };
    }
    if (query.state === undefined || query.code === undefined) {
      return {
        status: 400,
        title: 'This link is incomplete',
        paragraphs: ['Start the installation again from your dashboard.'],
      };
    }
    const now = this.now();
    const stateHash = hashOpaqueToken(query.state);
    const state = await this.db.repositories.oauthStates.consume(stateHash, 'bot-install', now);
    if (state === null) {
      const why = await this.db.repositories.oauthStates.explainRejection(stateHash, now);
      const reason = {
        used: 'This install link was already used.',
        expired: 'This install link expired (links last 10 minutes).',
        unknown: 'This install link is not valid.',
      }[why];
      return {
        status: 400,
        title: 'The bot was not added',
        paragraphs: [reason, 'Get a new link from your dashboard and try again.'],
      };
    }

    let guild: { id: string; name: string } | undefined;
    try {
      const tokens = await this.oauth.exchangeCode({
        code: query.code,
        redirectUri: this.config.redirectUri,
      });
      guild = tokens.guild === undefined ? undefined : { id: tokens.guild.id, name: tokens.guild.name };
    } catch (error) {
      if (error instanceof OAuthError || error instanceof DiscordRequestError) {
        return {
          status: 502,
          title: 'The bot was not added',
          paragraphs: [
            'Discord did not confirm the installation. Get a new link from your dashboard and try again.',
          ],
        };
      }
      throw error;
    }
    if (guild === undefined || (query.guild_id !== undefined && query.guild_id !== guild.id)) {
      return {
        status: 400,
        title: 'The bot was not added',
        paragraphs: ['Discord did not say which server the bot joined. Try again from your dashboard.'],
      };
    }
    const bound = await this.db.repositories.discordGuilds.bindInstall(
      state.merchantId,
      guild.id,
      guild.name,
      now,
    );
    if (bound.outcome === 'owned-by-another-merchant') {
      return {
        status: 409,
        title: 'This server is connected to another account',
        paragraphs: [
          `"${guild.name}" is already connected to another Inflow merchant. Ask them to disconnect it first.`,
        ],
      };
    }
    const health = await this.guilds.diagnose(state.merchantId, guild.id).catch(() => null);
    return {
      status: 200,
      title: `Inflow is in "${guild.name}"`,
      paragraphs: [
        'The bot joined your server.',
        health === null || health.ok
          ? 'Next, choose the payment and general channels for notifications, and create an offer with the role to grant.'
          : `Before roles can be granted: ${health.problems.map((problem) => problem.message).join(' ')}`,
      ],
    };
  }
}
