import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AUDIT_LOG_REASON_MAX_LENGTH, auditLogReason } from './audit-log-reason';

describe('auditLogReason', () => {
  it.each<[string, string | null | undefined, string | undefined]>([
    [
      'keeps a plain reason',
      'Subscription sub_1 active (offer VIP)',
      'Subscription sub_1 active (offer VIP)',
    ],
    ['trims', '  granted  ', 'granted'],
    ['sends nothing for null', null, undefined],
    ['sends nothing for undefined', undefined, undefined],
    ['sends nothing for blank', ' \t\n ', undefined],
    ['turns line breaks into spaces', 'line one\r\nline two', 'line one line two'],
    ['replaces a lone surrogate', 'bad \uD83D end', 'bad \uFFFD end'],
    ['keeps emoji and accents', 'Abo für 🎉 Kunden', 'Abo für 🎉 Kunden'],
  ])('%s', (_name, input, expected) => {
    expect(auditLogReason(input)).toBe(expected);
  });

  it('cuts long reasons to 512 characters with an ellipsis', () => {
    const reason = auditLogReason('x'.repeat(600));
    expect(reason).toHaveLength(AUDIT_LOG_REASON_MAX_LENGTH);
    expect(reason?.endsWith('…')).toBe(true);
    expect(auditLogReason('y'.repeat(512))).toBe('y'.repeat(512));
  });

  it('never cuts inside a surrogate pair', () => {
    const reason = auditLogReason(`${'a'.repeat(510)}😀😀😀`);
    expect(reason).toBe(`${'a'.repeat(510)}…`);
  });

  it('always yields something encodeURIComponent accepts, within the limit in code points and UTF-16 units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1_500 }), (input) => {
        const reason = auditLogReason(input);
        if (reason === undefined) return;
        expect(() => encodeURIComponent(reason)).not.toThrow();
        expect(reason.length).toBeGreaterThan(0);
        expect(reason.length).toBeLessThanOrEqual(AUDIT_LOG_REASON_MAX_LENGTH);
        expect(decodeURIComponent(encodeURIComponent(reason))).toBe(reason);
      }),
    );
  });
});
