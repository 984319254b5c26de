import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { dropDatabase, repoRoot, testEnv } from '@inflow/testing';
import { SCENARIO_IDS, type BenchEnv } from './env';
import {
  figureLine,
  readmeSection,
  replaceReadmeSection,
  type BenchReport,
  type ScenarioReport,
} from './report';
import { runCleanup } from './cleanup.scenario';
import { benchRunId } from './run-id';
import { ScenarioContext } from './scenario-context';
import { runStackScenarios } from './stack-scenarios';

/** Runs the selected scenarios, prints one line per figure, writes latest.json and the README section. */
export async function runBench(env: BenchEnv): Promise<BenchReport> {
  const startedAt = Date.now();
  const loadAverageAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
  const runId = benchRunId(startedAt);
  // The test fixtures name databases after the run; the template is migrated once and cloned per use.
  testEnv.setRun(runId);
  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const context = new ScenarioContext(resultsDir, process.stderr);
  context.say(
    `bench run ${runId}: scenarios ${env.BENCH_SCENARIOS.join(', ')}; load average ${loadAverageAtStart.join(' ')}`,
  );

  const scenarios: ScenarioReport[] = [];
  try {
    if (env.BENCH_SCENARIOS.some((id) => id !== 5)) {
      scenarios.push(...(await runStackScenarios(context, { env, runId, selected: env.BENCH_SCENARIOS })));
    }
    if (env.BENCH_SCENARIOS.includes(5)) scenarios.push(await runCleanup(context, runId));
  } finally {
    await dropDatabase(testEnv.templateDatabase);
  }
  scenarios.sort((a, b) => a.id - b.id);

  const figures = scenarios.flatMap((s) => s.figures);
  const [cpu] = cpus();
  const report: BenchReport = {
    date: new Date(startedAt).toISOString(),
    machine: {
      cores: cpus().length,
      cpuModel: cpu?.model.trim() ?? 'unknown',
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      node: process.version,
      platform: platform(),
      loadAverageAtStart,
    },
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    scenarios,
    targetsMet: figures.filter((f) => f.pass === true).length,
    targetsMissed: figures.filter((f) => f.pass === false).length,
  };
  for (const scenario of scenarios)
    for (const item of scenario.figures) console.log(figureLine(scenario, item));
  // Only a full run describes the product; a partial one (BENCH_SCENARIOS) must not replace its figures.
  const full = SCENARIO_IDS.every((id) => env.BENCH_SCENARIOS.includes(id)) && !env.BENCH_PROFILE_API;
  const resultFile = full ? 'latest.json' : 'partial.json.tmp';
  writeFileSync(join(resultsDir, resultFile), `${JSON.stringify(report, null, 2)}\n`);
  if (full) {
    const readmePath = join(repoRoot, 'README.md');
    // Formatted as `pnpm test` checks the README (prettier aligns the table).
    const options = await resolveConfig(readmePath);
    const section = (await format(readmeSection(report), { ...options, parser: 'markdown' })).trimEnd();
    writeFileSync(readmePath, replaceReadmeSection(readFileSync(readmePath, 'utf8'), section));
  }
  context.say(
    `bench done in ${report.durationSeconds} s: ${report.targetsMet} targets met, ${report.targetsMissed} missed; bench/results/${resultFile}`,
  );
  return report;
}
