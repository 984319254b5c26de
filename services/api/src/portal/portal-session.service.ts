import type { ActivePortalSession, Database } from '@inflow/db';
import { hashOpaqueToken, newOpaqueToken } from '../auth/opaque-token';

export interface PortalLinks {
  url: string;
  connectDiscordUrl: string;
  expiresAt: string;
}

/**
 * Short-lived, single-customer portal links. The merchant asks for them (`POST /customer/portal-session`)
 * and sends the customer there; opening one turns it into a session cookie.
 */
export class PortalSessionService {
  constructor(
    private readonly db: Database,
    private readonly publicUrl: string,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Links for the merchant's customer (created on first sight: the checkout may come before any event). */
  async create(merchantId: string, externalCustomerId: string): Promise<PortalLinks> {
    const customerId = await this.db.repositories.customers.upsert(merchantId, externalCustomerId, null);
    const { token, hash } = newOpaqueToken();
    const expiresAt = new Date(this.now().getTime() + this.ttlMs);
    await this.db.repositories.portalSessions.create(merchantId, customerId, hash, expiresAt);
    const url = new URL(`/portal/s/${token}`, this.publicUrl);
    const connect = new URL(url);
    connect.searchParams.set('next', 'connect');
    return { url: url.toString(), connectDiscordUrl: connect.toString(), expiresAt: expiresAt.toISOString() };
  }

  /** The session a portal token (from the link or the cookie) belongs to, while it lasts. */
  async resolve(token: string | undefined): Promise<ActivePortalSession | null> {
    if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    return this.db.repositories.portalSessions.findActive(hashOpaqueToken(token), this.now());
  }

  /** Seconds until the session ends, for the cookie's Max-Age. */
  secondsLeft(session: ActivePortalSession): number {
    return Math.max(1, Math.floor((session.expiresAt.getTime() - this.now().getTime()) / 1000));
  }
}
