import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { AUTHORIZATION_CODE_TTL_MS, OAuthStore } from './oauth-store';
import { pkceMatches } from './oauth.routes';

const USER = '1100000000000000003';

function store(): { oauth: OAuthStore; clock: { now: number } } {
  const clock = { now: 1_795_000_000_000 };
  return { oauth: new OAuthStore(() => clock.now, 604_800), clock };
}

const codeInput = {
  clientId: '1380000000000000001',
  redirectUri: 'http://localhost:3000/cb',
  userId: USER,
  scopes: ['identify', 'guilds.join'],
  codeChallenge: null,
  guildId: null,
  permissions: null,
};

describe('OAuthStore', () => {
  it('makes codes single-use and expires them after 10 minutes', () => {
    const { oauth, clock } = store();
    const code = oauth.issueCode(codeInput);
    expect(code.code).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(oauth.consumeCode(code.code)?.userId).toBe(USER);
    expect(oauth.consumeCode(code.code)).toBeUndefined();
    const late = oauth.issueCode(codeInput);
    clock.now += AUTHORIZATION_CODE_TTL_MS;
    expect(oauth.consumeCode(late.code)).toBeUndefined();
  });

  it('expires access tokens after their TTL', () => {
    const { oauth, clock } = store();
    const grant = oauth.issueTokens(USER, ['identify'], null);
    expect(oauth.liveAccessToken(grant.accessToken)).toBe(grant);
    clock.now += 604_800_000;
    expect(oauth.liveAccessToken(grant.accessToken)).toBeUndefined();
  });

  it('rotates refresh tokens and revokes the previous grant', () => {
    const { oauth } = store();
    const first = oauth.issueTokens(USER, ['identify'], null);
    const second = oauth.refresh(first.refreshToken);
    expect(second?.scopes).toEqual(['identify']);
    expect(oauth.refresh(first.refreshToken)).toBeUndefined();
    expect(oauth.liveAccessToken(first.accessToken)).toBeUndefined();
    expect(oauth.liveAccessToken(second!.accessToken)).toBe(second);
  });

  it('revokes a whole grant by either token, and all grants of a user', () => {
    const { oauth } = store();
    const grant = oauth.issueTokens(USER, ['identify'], null);
    expect(oauth.revoke(grant.refreshToken)).toBe(true);
    expect(oauth.liveAccessToken(grant.accessToken)).toBeUndefined();
    expect(oauth.revoke(grant.accessToken)).toBe(false);
    const a = oauth.issueTokens(USER, ['identify'], null);
    oauth.issueTokens(USER, ['guilds.join'], null);
    expect(oauth.revokeUser(USER)).toBe(2);
    expect(oauth.refresh(a.refreshToken)).toBeUndefined();
  });
});

describe('pkceMatches', () => {
  it('checks BASE64URL(SHA256(verifier)) against the challenge', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(pkceMatches(verifier, challenge)).toBe(true);
    expect(pkceMatches(`${verifier}x`, challenge)).toBe(false);
    expect(pkceMatches('short', challenge)).toBe(false);
  });
});
