import type { DashboardSession, Database } from '@inflow/db';
import { hashApiKey, looksLikeApiKey } from '../auth/api-key';
import { hashOpaqueToken, newOpaqueToken } from '../auth/opaque-token';

/**
 * Signing in to the dashboard with an API key: the key is checked like any API call, then a session
 * cookie carries the sign-in. Revoking the key ends its sessions at once.
 */
export class DashboardSessionService {
  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A session token for a valid key, or null. */
  async signIn(apiKey: string): Promise<{ token: string; maxAgeSeconds: number } | null> {
    if (!looksLikeApiKey(apiKey)) return null;
    const owner = await this.db.repositories.apiKeys.findActiveByHash(hashApiKey(apiKey));
    if (owner === null) return null;
    const { token, hash } = newOpaqueToken();
    await this.db.repositories.dashboardSessions.create(
      owner.merchantId,
      owner.apiKeyId,
      hash,
      new Date(this.now().getTime() + this.ttlMs),
    );
    return { token, maxAgeSeconds: Math.floor(this.ttlMs / 1000) };
  }

  async resolve(token: string | undefined): Promise<DashboardSession | null> {
    if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    return this.db.repositories.dashboardSessions.findActive(hashOpaqueToken(token), this.now());
  }

  async signOut(session: DashboardSession): Promise<void> {
    await this.db.repositories.dashboardSessions.delete(session.id);
  }
}
