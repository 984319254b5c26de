import { createHash, randomBytes } from 'node:crypto';

/** A random, URL-safe secret (OAuth `state`, portal links) and the hash that is stored instead of it. */
export function newOpaqueToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

export function hashOpaqueToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
