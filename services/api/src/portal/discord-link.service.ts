import {
  authorizeUrl,
  DiscordRequestError,
  generatePkcePair,
  OAuthError,
  type DiscordOAuthClient,
  type DiscordUserClient,
} from '@inflow/discord';
import type { ActivePortalSession, Database, NewOutboxRow, Repositories, TokenCipher } from '@inflow/db';
import type { Logger } from '@inflow/service-runtime';
import { hashOpaqueToken, newOpaqueToken } from '../auth/opaque-token';

const STATE_TTL_MS = 10 * 60 * 1000;

export interface DiscordLinkConfig {
  authorizeUrl: string;
  clientId: string;
  /** `${PUBLIC_URL}/oauth/discord/callback`, registered with the Discord application. */
  redirectUri: string;
}

/** What the portal tells the customer after a step; each maps to a sentence on the page. */
export type PortalNotice =
  | 'linked'
  | 'switched'
  | 'disconnected'
  | 'refreshing'
  | 'refresh-too-soon'
  | 'consent-denied'
  | 'state-expired'
  | 'state-used'
  | 'state-invalid'
  | 'state-other-session'
  | 'discord-failed'
  | 'duplicate-refused'
  | 'missing-scope';

export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
}

/**
 * Customers linking Discord: the authorization-code flow with PKCE and a single-use state bound to the
 * portal session, tokens encrypted at rest, and role sync (through the outbox) for every guild of the
 * customer's subscriptions whenever the link changes.
 */
export class DiscordLinkService {
  constructor(
    private readonly db: Database,
    private readonly oauth: DiscordOAuthClient,
    private readonly users: DiscordUserClient,
    private readonly cipher: TokenCipher,
    private readonly config: DiscordLinkConfig,
    private readonly outboxWritten: () => void,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The Discord consent URL for this session (connect, or switch account: both ask again). */
  async start(session: ActivePortalSession): Promise<string> {
    const { token, hash } = newOpaqueToken();
    const pkce = generatePkcePair();
    await this.db.repositories.oauthStates.create({
      stateHash: hash,
      purpose: 'customer-link',
      merchantId: session.merchantId,
      portalSessionId: session.id,
      codeVerifier: pkce.codeVerifier,
      expiresAt: new Date(this.now().getTime() + STATE_TTL_MS),
    });
    return authorizeUrl({
      authorizeUrl: this.config.authorizeUrl,
      clientId: this.config.clientId,
      redirectUri: this.config.redirectUri,
      scopes: ['identify', 'guilds.join'],
      state: token,
      codeChallenge: pkce.codeChallenge,
      prompt: 'consent',
    });
  }

  /** Discord's return: checks the state against this session, exchanges the code, links, re-syncs roles. */
  async complete(session: ActivePortalSession, query: CallbackQuery): Promise<PortalNotice> {
    if (query.error !== undefined)
      return query.error === 'access_denied' ? 'consent-denied' : 'discord-failed';
    if (query.state === undefined || query.code === undefined) return 'state-invalid';
    const now = this.now();
    const stateHash = hashOpaqueToken(query.state);
    const state = await this.db.repositories.oauthStates.consume(stateHash, 'customer-link', now);
    if (state === null) {
      const why = await this.db.repositories.oauthStates.explainRejection(stateHash, now);
      return why === 'used' ? 'state-used' : why === 'expired' ? 'state-expired' : 'state-invalid';
    }
    if (state.portalSessionId !== session.id) return 'state-other-session';

    let tokens;
    let user;
    try {
      tokens = await this.oauth.exchangeCode({
        code: query.code,
        redirectUri: this.config.redirectUri,
        ...(state.codeVerifier === null ? {} : { codeVerifier: state.codeVerifier }),
      });
      if (!tokens.scopes.includes('identify')) return 'missing-scope';
      user = await this.users.getCurrentUser(tokens.accessToken);
    } catch (error) {
      if (error instanceof OAuthError || error instanceof DiscordRequestError) {
        this.logger.warn({ err: error }, 'Discord OAuth failed');
        return 'discord-failed';
      }
      throw error;
    }

    const merchant = await this.db.repositories.merchants.findById(session.merchantId);
    if (merchant?.duplicateDiscordLinkPolicy === 'refuse') {
      const others = await this.db.repositories.discordLinks.otherCustomersLinkedTo(
        session.merchantId,
        user.id,
        session.customerId,
      );
      if (others.length > 0) {
        await this.revokeQuietly(tokens.accessToken);
        return 'duplicate-refused';
      }
    }
    const previous = await this.db.transaction(async (repos) => {
      const linked = await repos.discordLinks.link(
        {
          merchantId: session.merchantId,
          customerId: session.customerId,
          discordUserId: user.id,
          discordUsername: user.global_name ?? user.username,
          tokens,
        },
        this.cipher,
      );
      await this.queueRoleSync(repos, session, user.id, 'link');
      if (linked.previousDiscordUserId !== null)
        await this.queueRoleSync(repos, session, linked.previousDiscordUserId, 'unlink');
      return linked.previousDiscordUserId;
    });
    this.outboxWritten();
    return previous === null ? 'linked' : 'switched';
  }

  /** Removes the link, its roles (through role sync) and, best effort, the token on Discord's side. */
  async disconnect(session: ActivePortalSession): Promise<PortalNotice> {
    const removed = await this.db.transaction(async (repos) => {
      const link = await repos.discordLinks.unlink(session.merchantId, session.customerId, this.cipher);
      if (link !== null) await this.queueRoleSync(repos, session, link.discordUserId, 'unlink');
      return link;
    });
    if (removed !== null) {
      this.outboxWritten();
      if (removed.refreshToken !== null) await this.revokeQuietly(removed.refreshToken, 'refresh_token');
      else if (removed.accessToken !== '') await this.revokeQuietly(removed.accessToken);
    }
    return 'disconnected';
  }

  /** "Refresh my roles": a role sync in every guild, at most once a minute per session. */
  async refresh(session: ActivePortalSession): Promise<PortalNotice> {
    if (!(await this.db.repositories.portalSessions.claimRolesRefresh(session.id, this.now(), 60)))
      return 'refresh-too-soon';
    const userId = await this.db.repositories.discordLinks.discordUserIdOf(session.customerId);
    if (userId === null) return 'refreshing';
    await this.db.transaction((repos) => this.queueRoleSync(repos, session, userId, 'manual'));
    this.outboxWritten();
    return 'refreshing';
  }

  private async queueRoleSync(
    repos: Repositories,
    session: ActivePortalSession,
    userId: string,
    reason: 'link' | 'unlink' | 'manual',
  ): Promise<void> {
    const guilds = await repos.subscriptions.guildsOfCustomer(session.merchantId, session.customerId);
    const rows: NewOutboxRow[] = guilds.map((guildId) => ({
      jobName: 'role-sync.member',
      payload: { guildId, userId, reason },
    }));
    await repos.outbox.add(rows);
  }

  private async revokeQuietly(
    token: string,
    hint: 'access_token' | 'refresh_token' = 'access_token',
  ): Promise<void> {
    try {
      await this.oauth.revoke(token, hint);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not revoke a Discord token; it expires on its own');
    }
  }
}
