import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636): keep the verifier server-side, send the challenge to the authorize URL. */
export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/** The S256 challenge of a verifier: BASE64URL(SHA256(verifier)). */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/** A fresh verifier (32 random bytes, 43 base64url characters: RFC 7636's recommendation) and its S256 challenge. */
export function generatePkcePair(): PkcePair {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier), codeChallengeMethod: 'S256' };
}
