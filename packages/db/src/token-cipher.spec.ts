import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { TokenCipher } from './token-cipher';

describe('TokenCipher', () => {
  const cipher = new TokenCipher(randomBytes(32).toString('base64'));

  it('round-trips, with a fresh IV each time and no clear text in the stored form', () => {
    const token = 'mfa.AbCdEfGhIjKlMnOpQrStUvWxYz0123';
    const a = cipher.encrypt(token);
    const b = cipher.encrypt(token);
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain(token);
    expect(cipher.decrypt(a)).toBe(token);
  });

  it('refuses a tampered value and another key', () => {
    const stored = cipher.encrypt('secret');
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered)).toThrow();
    expect(() => new TokenCipher(randomBytes(32).toString('base64')).decrypt(stored)).toThrow();
  });

  it('requires a 32-byte key', () => {
    expect(() => new TokenCipher(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});
