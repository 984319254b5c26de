import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { maskEmail, redactEmails } from './mask-email';

describe('maskEmail', () => {
  it.each([
    ['alice@example.com', 'a***@example.com'],
    ['a@example.com', 'a***@example.com'],
    ['ébène@exemple.fr', 'é***@exemple.fr'],
    ['😀smile@example.com', '😀***@example.com'],
    ['x***@example.com', '***@example.com'],
    ['odd"quoted@local"@example.com', 'o***@example.com'],
    ['@example.com', '***@example.com'],
    ['no-at-sign', 'n***'],
    ['', '***'],
  ])('%s → %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it('never returns the address it was given', () => {
    fc.assert(fc.property(fc.emailAddress(), (email) => expect(maskEmail(email)).not.toContain(email)));
  });
});

describe('redactEmails', () => {
  it.each([
    ['Card of alice@example.com was declined', 'Card of a***@example.com was declined'],
    ['(bob@example.org)', '(***@example.org)'],
    ['a@b.c@d.e run together', 'a***@d.e run together'],
    ['VIP @ Home and Pay@Home stay', 'VIP @ Home and Pay@Home stay'],
    ['no address here', 'no address here'],
  ])('%s → %s', (text, redacted) => {
    expect(redactEmails(text)).toBe(redacted);
  });

  it('leaves no address in clear, whatever text surrounds it', () => {
    const part = fc.oneof(
      fc.emailAddress().map((email) => ({ email, text: email })),
      fc.string().map((text) => ({ email: null, text })),
    );
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 6 }),
        fc.constantFrom(' ', '', ', ', '\n'),
        (parts, separator) => {
          const redacted = redactEmails(parts.map((p) => p.text).join(separator));
          for (const { email } of parts) {
            // An address whose local part is only asterisks looks masked already: there is nothing to hide.
            if (email !== null && !/^\*+@/.test(email)) expect(redacted).not.toContain(email);
          }
        },
      ),
    );
  });
});
