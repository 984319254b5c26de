import { createHash, randomBytes } from 'node:crypto';
import { problems } from '../http/problem';

export const API_KEY_PREFIX = 'inflow_priv_';
/** Characters of the key kept in clear (with the prefix) so a merchant can tell keys apart. */
const VISIBLE_CHARS = 6;

export interface GeneratedApiKey {
  /** Shown once to the merchant, never stored. */
  apiKey: string;
  keyHash: Buffer;
  keyPrefix: string;
}

/**
 * SHA-256 of the whole key. A fast hash is right here: keys carry 256 random bits, so there is nothing
 * for a slow password hash to protect against, and authentication stays one indexed lookup.
 */
export function hashApiKey(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey, 'utf8').digest();
}

export function generateApiKey(): GeneratedApiKey {
  const apiKey = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    apiKey,
    keyHash: hashApiKey(apiKey),
    keyPrefix: apiKey.slice(0, API_KEY_PREFIX.length + VISIBLE_CHARS),
  };
}

/** Cheap shape check before any lookup, so garbage never reaches the database. */
export function looksLikeApiKey(value: string): boolean {
  return (
    value.startsWith(API_KEY_PREFIX) && /^[A-Za-z0-9_-]{20,100}$/.test(value.slice(API_KEY_PREFIX.length))
  );
}

/** The answer to a key that no merchant holds, or one revoked. */
export function unknownOrRevokedKey() {
  return problems.unauthorized('This API key is unknown or was revoked.');
}
