import { describe, expect, it } from '@jest/globals';
import {
  describeTarget,
  diagnostics,
  figure,
  figureLine,
  meets,
  README_END,
  README_START,
  readmeSection,
  replaceReadmeSection,
  type BenchReport,
} from './report';

const report: BenchReport = {
  date: '2026-05-01T10:00:00.000Z',
  machine: {
    cores: 2,
    cpuModel: 'Test CPU',
    memoryMb: 4096,
    node: 'v20.20.2',
    platform: 'linux',
    loadAverageAtStart: [0.5, 0.25, 1],
  },
  durationSeconds: 480.4,
  targetsMet: 1,
  targetsMissed: 1,
  scenarios: [
    {
      id: 1,
      title: 'Drain at the ceiling',
      figures: [
        figure('achieved / ceiling', 0.93, '', { op: '>=', value: 0.9 }),
        figure('global 429s', 2, '', { op: '==', value: 0 }),
        figure('role changes', 3000, ''),
        ...diagnostics([figure('bench event-loop delay p99', 12, 'ms')]),
      ],
      settings: {},
      plots: ['drain-1-worker.svg'],
      notes: [],
    },
  ],
};

describe('figures and targets', () => {
  it('checks each comparison', () => {
    expect(meets(0.9, { op: '>=', value: 0.9 })).toBe(true);
    expect(meets(250, { op: '<', value: 250 })).toBe(false);
    expect(meets(0, { op: '==', value: 0 })).toBe(true);
    expect(meets(5, { op: '<=', value: 4 })).toBe(false);
    expect(meets(5, { op: '>', value: 4 })).toBe(true);
  });

  it('marks a figure without a target neither met nor missed, and refuses non-numbers', () => {
    expect(figure('changes', 3000, '')).toEqual({ name: 'changes', value: 3000, unit: '' });
    expect(figure('p99', 40, 'ms', { op: '<', value: 50 }).pass).toBe(true);
    expect(() => figure('rate', Number.NaN, '/s')).toThrow(RangeError);
  });

  it('prints one line per figure with its verdict', () => {
    const [ratio, global429] = report.scenarios[0]!.figures;
    expect(figureLine(report.scenarios[0]!, ratio!)).toBe(
      '[1] Drain at the ceiling | achieved / ceiling: 0.93  (target ≥ 0.9: met)',
    );
    expect(figureLine(report.scenarios[0]!, global429!)).toContain('MISSED');
    expect(describeTarget({ op: '<', value: 250 }, 'ms')).toBe('< 250 ms');
  });
});

describe('README section', () => {
  it('tabulates every figure and links every plot between the markers', () => {
    const section = readmeSection(report);
    expect(section.startsWith(README_START)).toBe(true);
    expect(section.endsWith(README_END)).toBe(true);
    expect(section).toContain('| 1. Drain at the ceiling | achieved / ceiling | 0.93 | ≥ 0.9 | yes |');
    expect(section).toContain('| 1. Drain at the ceiling | global 429s | 2 | = 0 | **no** |');
    expect(section).toContain('| 1. Drain at the ceiling | role changes | 3000 |  |  |');
    expect(section).toContain('![1. Drain at the ceiling](bench/results/drain-1-worker.svg)');
    expect(section).toContain('load average 0.50 0.25 1.00 at start');
    expect(section).not.toContain('event-loop delay');
  });

  it('inserts the section before "## Tests" once, then replaces only what is between the markers', () => {
    const readme = '# Product\n\ntext\n\n## Tests\n\nmore\n';
    const first = replaceReadmeSection(readme, `${README_START}\nA\n${README_END}`);
    expect(first).toBe(`# Product\n\ntext\n\n${README_START}\nA\n${README_END}\n\n## Tests\n\nmore\n`);
    const second = replaceReadmeSection(first, `${README_START}\nB\n${README_END}`);
    expect(second).toBe(first.replace('\nA\n', '\nB\n'));
  });

  it('refuses a README with neither markers nor a Tests heading', () => {
    expect(() => replaceReadmeSection('# Product\n', 'x')).toThrow(/Tests/);
  });
});
