import type { ScenarioId } from './env';

export type Comparison = '>=' | '<=' | '<' | '>' | '==';

/** What a figure must be to meet its target. */
export interface Target {
  op: Comparison;
  value: number;
}

/** One measured number, as printed and stored. */
export interface Figure {
  name: string;
  value: number;
  /** Shown after the value: '', '/s', 'ms', 's', 'MB', '×'. */
  unit: string;
  target?: Target;
  /** Whether the target is met; absent for figures without a target. */
  pass?: boolean;
  /** Evidence behind the headline figures (CPU, queues, counters): in latest.json and on stdout, not in the README table. */
  detail?: boolean;
}

export interface ScenarioReport {
  id: ScenarioId;
  title: string;
  figures: Figure[];
  /** How the scenario ran (sizes, concurrency, limits), so the figures can be reproduced. */
  settings: Record<string, string | number | boolean>;
  /** SVG files in bench/results/ that plot this scenario. */
  plots: string[];
  /** Observations that explain the figures (where the time goes, what a miss comes from). */
  notes: string[];
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryMb: number;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number[];
}

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  durationSeconds: number;
  scenarios: ScenarioReport[];
  targetsMet: number;
  targetsMissed: number;
}

export function meets(value: number, target: Target): boolean {
  switch (target.op) {
    case '>=':
      return value >= target.value;
    case '<=':
      return value <= target.value;
    case '<':
      return value < target.value;
    case '>':
      return value > target.value;
    case '==':
      return value === target.value;
  }
}

/** A figure with its target checked. */
export function figure(name: string, value: number, unit: string, target?: Target): Figure {
  if (!Number.isFinite(value)) throw new RangeError(`figure "${name}" is not a finite number: ${value}`);
  return target === undefined
    ? { name, value, unit }
    : { name, value, unit, target, pass: meets(value, target) };
}

function withUnit(value: number, unit: string): string {
  if (unit === '') return String(value);
  if (unit === '/s' || unit === '×') return `${value}${unit}`;
  return `${value} ${unit}`;
}

/** The target as a reader says it: "≥ 0.9", "< 250 ms". */
export function describeTarget(target: Target, unit: string): string {
  const op = { '>=': '≥', '<=': '≤', '<': '<', '>': '>', '==': '=' }[target.op];
  return `${op} ${withUnit(target.value, unit)}`;
}

/** Marks figures as evidence rather than headline. */
export function diagnostics(figures: readonly Figure[]): Figure[] {
  return figures.map((item) => ({ ...item, detail: true }));
}

/** The stdout line of one figure. */
export function figureLine(scenario: Pick<ScenarioReport, 'id' | 'title'>, item: Figure): string {
  const verdict =
    item.target === undefined
      ? ''
      : `  (target ${describeTarget(item.target, item.unit)}: ${item.pass === true ? 'met' : 'MISSED'})`;
  return `[${scenario.id}] ${scenario.title} | ${item.name}: ${withUnit(item.value, item.unit)}${verdict}`;
}

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/** The README's Benchmarks section: the machine, a table of every figure, and the plots. */
export function readmeSection(report: BenchReport): string {
  const { machine } = report;
  const rows = report.scenarios.flatMap((scenario) =>
    scenario.figures
      .filter((item) => item.detail !== true)
      .map(
        (item) =>
          `| ${scenario.id}. ${scenario.title} | ${item.name} | ${withUnit(item.value, item.unit)} | ${
            item.target === undefined ? '' : describeTarget(item.target, item.unit)
          } | ${item.target === undefined ? '' : item.pass === true ? 'yes' : '**no**'} |`,
      ),
  );
  const plots = report.scenarios.flatMap((scenario) =>
    scenario.plots.map((file) => `![${scenario.id}. ${scenario.title}](bench/results/${file})`),
  );
  return [
    README_START,
    '## Benchmarks',
    '',
    `\`pnpm bench\` builds the services, starts them as processes against the Discord emulator on loopback (global limit 50 requests/s, member-role bucket 10 per 2 s per guild), runs the scenarios below and writes \`bench/results/latest.json\` and the plots. Last run: ${report.date.slice(0, 10)}, ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')} at start, ${Math.round(report.durationSeconds)} s; ${report.targetsMet} targets met, ${report.targetsMissed} missed.`,
    '',
    'The evidence behind each figure (CPU per process, Postgres connection states, queue tails, index reads, 429s as the workers saw them) is in `bench/results/latest.json`.',
    '',
    '| scenario | figure | value | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...plots.flatMap((plot) => [plot, '']),
    README_END,
  ].join('\n');
}

/**
 * The README with its Benchmarks section replaced, or inserted right before "## Tests" the first time.
 * Nothing outside the markers changes.
 */
export function replaceReadmeSection(readme: string, section: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start !== -1 && end > start) {
    return readme.slice(0, start) + section + readme.slice(end + README_END.length);
  }
  const tests = readme.indexOf('\n## Tests');
  if (tests === -1) throw new Error('README.md has neither the bench markers nor a "## Tests" heading');
  return `${readme.slice(0, tests + 1)}${section}\n\n${readme.slice(tests + 1)}`;
}
