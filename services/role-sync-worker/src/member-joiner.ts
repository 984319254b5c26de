import { OAuthError, type DiscordBotClient, type DiscordOAuthClient } from '@inflow/discord';
import type { Repositories, TokenCipher } from '@inflow/db';
import { DiscordRequestError } from '@inflow/discord';

/** What adding a member with their OAuth token did. */
export type JoinResult =
  /** 201: the user joined with the roles. */
  | { kind: 'added'; roles: string[] }
  /** 204: already a member; Discord ignored the roles. */
  | { kind: 'already-member' }
  /** No usable token with `guilds.join`: the customer has to join by themselves (or connect again). */
  | { kind: 'no-token' }
  /** The token was refused (revoked on Discord's side): the link is marked so the portal asks to reconnect. */
  | { kind: 'token-invalid' };

/** Refresh a token this long before it expires, so a request never races the expiry. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Adds a linked customer who is not in the guild, with `PUT /guilds/{g}/members/{u}` and their token
 * (scope `guilds.join`), refreshing the token first when it is about to expire. Tokens live decrypted
 * only for the call. Errors other than a dead token propagate for the caller to classify.
 */
export class MemberJoiner {
  constructor(
    private readonly bot: DiscordBotClient,
    private readonly oauth: DiscordOAuthClient,
    private readonly cipher: TokenCipher,
    private readonly now: () => Date,
  ) {}

  async join(
    repos: Repositories,
    merchantId: string,
    guildId: string,
    userId: string,
    roles: readonly string[],
  ): Promise<JoinResult> {
    const link = await repos.discordLinks.findWithTokens(merchantId, userId, this.cipher);
    if (link === null || !link.scopes.includes('guilds.join')) return { kind: 'no-token' };
    let accessToken = link.accessToken;
    if (link.expiresAt !== null && link.expiresAt.getTime() - REFRESH_MARGIN_MS <= this.now().getTime()) {
      if (link.refreshToken === null) {
        await repos.discordLinks.markTokenRevoked(link.linkId);
        return { kind: 'token-invalid' };
      }
      try {
        const tokens = await this.oauth.refresh(link.refreshToken);
        await repos.discordLinks.storeTokens(link.linkId, tokens, this.cipher);
        accessToken = tokens.accessToken;
      } catch (error) {
        if (error instanceof OAuthError) {
          await repos.discordLinks.markTokenRevoked(link.linkId);
          return { kind: 'token-invalid' };
        }
        throw error;
      }
    }
    try {
      const result = await this.bot.addGuildMember(guildId, userId, accessToken, roles);
      return result.added ? { kind: 'added', roles: result.member.roles } : { kind: 'already-member' };
    } catch (error) {
      if (error instanceof DiscordRequestError && error.classification.kind === 'token_invalid') {
        await repos.discordLinks.markTokenRevoked(link.linkId);
        return { kind: 'token-invalid' };
      }
      throw error;
    }
  }
}
