import { randomBytes } from 'node:crypto';

/** How long an authorization code may be exchanged, as on Discord. */
export const AUTHORIZATION_CODE_TTL_MS = 10 * 60 * 1000;

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  /** PKCE S256 challenge sent to /oauth2/authorize, if any. */
  codeChallenge: string | null;
  /** For bot installs: the guild the bot was added to and the permissions granted. */
  guildId: string | null;
  permissions: string | null;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  guildId: string | null;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumeric string, the shape of Discord's 30-character codes and tokens. */
function randomToken(length = 30): string {
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return token;
}

/** Authorization codes and token grants of the one emulated application. */
export class OAuthStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly byAccess = new Map<string, TokenGrant>();
  private readonly byRefresh = new Map<string, TokenGrant>();

  constructor(
    private readonly now: () => number,
    private tokenTtlSeconds: number,
  ) {}

  /** Every access and refresh token ever issued, for tests asserting that none leaks. */
  issuedTokens(): string[] {
    return [...this.byAccess.keys(), ...this.byRefresh.keys()];
  }

  get accessTokenTtlSeconds(): number {
    return this.tokenTtlSeconds;
  }

  setTokenTtl(seconds: number): void {
    this.tokenTtlSeconds = seconds;
  }

  issueCode(input: Omit<AuthorizationCode, 'code' | 'expiresAt'>): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      code: randomToken(),
      expiresAt: this.now() + AUTHORIZATION_CODE_TTL_MS,
    };
    this.codes.set(code.code, code);
    return code;
  }

  /** Codes are single-use: the first exchange attempt consumes it, whether or not it then succeeds. */
  consumeCode(code: string): AuthorizationCode | undefined {
    const found = this.codes.get(code);
    this.codes.delete(code);
    if (!found || found.expiresAt <= this.now()) return undefined;
    return found;
  }

  issueTokens(userId: string, scopes: string[], guildId: string | null): TokenGrant {
    const issuedAt = this.now();
    const grant: TokenGrant = {
      accessToken: randomToken(),
      refreshToken: randomToken(),
      userId,
      scopes,
      issuedAt,
      expiresAt: issuedAt + this.tokenTtlSeconds * 1000,
      revoked: false,
      guildId,
    };
    this.byAccess.set(grant.accessToken, grant);
    this.byRefresh.set(grant.refreshToken, grant);
    return grant;
  }

  /** A live grant for a bearer access token: known, not revoked, not expired. */
  liveAccessToken(token: string): TokenGrant | undefined {
    const grant = this.byAccess.get(token);
    if (!grant || grant.revoked || grant.expiresAt <= this.now()) return undefined;
    return grant;
  }

  /**
   * Exchanges a refresh token for a new grant. The old refresh token stops working (rotation) and the
   * old access token is revoked with it, the strict reading of Discord's behaviour.
   */
  refresh(refreshToken: string): TokenGrant | undefined {
    const grant = this.byRefresh.get(refreshToken);
    if (!grant || grant.revoked) return undefined;
    this.revokeGrant(grant);
    return this.issueTokens(grant.userId, grant.scopes, null);
  }

  /** Revokes the grant that `token` (access or refresh) belongs to; both of its tokens stop working. */
  revoke(token: string): boolean {
    const grant = this.byAccess.get(token) ?? this.byRefresh.get(token);
    if (!grant || grant.revoked) return false;
    this.revokeGrant(grant);
    return true;
  }

  /** The user deauthorized the application: every grant of theirs is revoked. Returns how many. */
  revokeUser(userId: string): number {
    let count = 0;
    for (const grant of this.byAccess.values()) {
      if (grant.userId === userId && !grant.revoked) {
        this.revokeGrant(grant);
        count += 1;
      }
    }
    return count;
  }

  /** Makes the user's access tokens expire now (refresh tokens keep working), to test expiry without waiting. */
  expireUser(userId: string): number {
    let count = 0;
    const now = this.now();
    for (const grant of this.byAccess.values()) {
      if (grant.userId === userId && !grant.revoked && grant.expiresAt > now) {
        grant.expiresAt = now;
        count += 1;
      }
    }
    return count;
  }

  grantsOf(userId: string): TokenGrant[] {
    return [...this.byAccess.values()].filter((grant) => grant.userId === userId);
  }

  private revokeGrant(grant: TokenGrant): void {
    grant.revoked = true;
  }
}
