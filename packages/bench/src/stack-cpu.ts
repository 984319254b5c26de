import { testEnv } from '@inflow/testing';
import type { BenchStack } from './bench-stack';
import { CpuMeter, pidsMatching, type CpuUse } from './cpu-meter';
import { figure, type Figure } from './report';
import { round } from './series';
import { SERVICE_NAMES } from './service-process';

/** Groups of pids for the CPU meter: each service (all replicas), its Postgres backends, Redis, the bench. */
export function stackCpuMeter(stack: BenchStack): CpuMeter {
  const groups: Record<string, number[]> = {};
  for (const name of SERVICE_NAMES) {
    const pids = stack.running(name).map((p) => p.pid);
    if (pids.length > 0) groups[name] = pids;
  }
  groups['Postgres backends of the bench database'] = pidsMatching('postgres: ', stack.t.name);
  groups['redis-server'] = pidsMatching('redis-server', `:${new URL(testEnv.redisUrl).port || '6379'}`);
  groups['bench process (emulator, load)'] = [process.pid];
  return new CpuMeter(groups);
}

/** CPU figures of a window: cores used per group, the machine, and what other work on the machine took. */
export function cpuFigures(use: CpuUse, during: string): Figure[] {
  const groups = Object.values(use.cores).reduce((a, b) => a + b, 0);
  return [
    ...Object.entries(use.cores).map(([name, cores]) =>
      figure(`CPU ${during}: ${name}, cores`, round(cores, 2), ''),
    ),
    figure(`CPU ${during}: machine busy, cores of ${use.machineCores}`, round(use.machineBusyCores, 2), ''),
    figure(
      `CPU ${during}: other work on the machine, cores`,
      round(Math.max(0, use.machineBusyCores - groups), 2),
      '',
    ),
  ];
}
