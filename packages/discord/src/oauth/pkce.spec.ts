import { describe, expect, it } from '@jest/globals';
import { generatePkcePair, pkceChallenge } from './pkce';

describe('PKCE', () => {
  it("computes RFC 7636's S256 example (appendix B)", () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('generates a fresh 43-character verifier and its challenge each time', () => {
    const first = generatePkcePair();
    const second = generatePkcePair();
    expect(first.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.codeChallenge).toBe(pkceChallenge(first.codeVerifier));
    expect(first.codeChallengeMethod).toBe('S256');
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });
});
