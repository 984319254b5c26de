import { describe, expect, it } from '@jest/globals';
import { vmRssMb } from './service-process';

describe('vmRssMb', () => {
  it('reads VmRSS from /proc/<pid>/status in MiB', () => {
    const status = [
      'Name:\tnode',
      'VmPeak:\t 1200000 kB',
      'VmRSS:\t  102400 kB',
      'RssAnon:\t   80000 kB',
    ].join('\n');
    expect(vmRssMb(status)).toBe(100);
  });

  it('fails loudly when the line is missing (a zombie has none)', () => {
    expect(() => vmRssMb('Name:\tnode\nState:\tZ (zombie)\n')).toThrow(/VmRSS/);
  });
});
