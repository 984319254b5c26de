import { z } from 'zod';

/** The scenarios `pnpm bench` knows, by number, as the issue lists them. */
export const SCENARIO_IDS = [1, 2, 3, 4, 5, 6] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

const scenarioList = z
  .string()
  .regex(/^[1-6](,[1-6])*$/, { error: 'must list scenario numbers 1 to 6, comma-separated' })
  .transform((value) => [...new Set(value.split(',').map(Number))].sort() as ScenarioId[]);

const positiveInteger = (max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]*$/, { error: `must be an integer between 1 and ${max}` })
    .transform(Number)
    .refine((value) => value <= max, { error: `must be an integer between 1 and ${max}` });

const schema = z.object({
  /** Which scenarios to run, e.g. `1,3`; all by default. Scenario 6 reads memory around scenario 1. */
  BENCH_SCENARIOS: scenarioList.default([...SCENARIO_IDS]),
  /**
   * ROLE_SYNC_CONCURRENCY for the role-sync workers of scenarios 1 to 3; unset, the product's default
   * applies (the service's env.ts), which is what the figures should describe.
   */
  BENCH_ROLE_SYNC_CONCURRENCY: positiveInteger(200).optional(),
  /** Concurrent connections autocannon keeps open against the api and the hello-world in scenario 4. */
  BENCH_INGEST_CONNECTIONS: positiveInteger(1_000).default(32),
  /**
   * Diagnosis: run the api of scenario 4 under `node --cpu-prof` and add where its CPU time goes to the
   * report. Profiling slows the api, so such a run never replaces latest.json or the README's figures.
   */
  BENCH_PROFILE_API: z
    .enum(['0', '1', 'false', 'true'])
    .default('0')
    .transform((value) => value === '1' || value === 'true'),
  /** Passed on to the service processes, whose environment is otherwise exactly what the bench sets. */
  PATH: z.string().default(''),
  HOME: z.string().default(''),
});

export type BenchEnv = z.output<typeof schema>;

/** Reads the bench's settings once; a bad value stops it with one line naming the variable. */
export function loadBenchEnv(source: NodeJS.ProcessEnv = process.env): BenchEnv {
  const present = Object.fromEntries(
    Object.entries(source).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  throw new Error(`bench: invalid environment: ${problems.join('; ')}`);
}
