import { describe, expect, it } from '@jest/globals';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';

describe('API keys', () => {
  it('start with inflow_priv_, differ each time, and are stored as a hash that cannot be read back', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.apiKey.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.keyHash.equals(hashApiKey(a.apiKey))).toBe(true);
    expect(a.keyHash.toString('hex')).not.toContain(a.apiKey.slice(API_KEY_PREFIX.length));
    expect(a.keyPrefix).toBe(a.apiKey.slice(0, API_KEY_PREFIX.length + 6));
    expect(looksLikeApiKey(a.apiKey)).toBe(true);
  });

  it.each([
    '',
    'inflow_priv_',
    'inflow_pub_abcdefghijklmnopqrstuvwxyz',
    `inflow_priv_${'a'.repeat(20)} `,
    'Bearer x',
  ])('rejects the shape of %p', (value) => {
    expect(looksLikeApiKey(value)).toBe(false);
  });
});
