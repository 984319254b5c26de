import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CsrfTokens } from './csrf';

describe('CsrfTokens', () => {
  const tokens = new CsrfTokens(randomBytes(32), 'portal');

  it('accepts the token of the session and nothing else', () => {
    const token = tokens.tokenFor('session-a');
    expect(tokens.verify('session-a', token)).toBe(true);
    expect(tokens.verify('session-b', token)).toBe(false);
    expect(tokens.verify('session-a', `${token}x`)).toBe(false);
    expect(tokens.verify('session-a', undefined)).toBe(false);
  });

  it('differs by purpose and by secret', () => {
    expect(new CsrfTokens(randomBytes(32), 'portal').tokenFor('s')).not.toBe(tokens.tokenFor('s'));
    expect(tokens.tokenFor('s')).not.toBe(new CsrfTokens(Buffer.alloc(32), 'dashboard').tokenFor('s'));
  });
});
