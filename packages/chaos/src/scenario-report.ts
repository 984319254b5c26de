import { describeInvalid, type DiscordTraffic } from './discord-traffic';
import { chaosScale, chaosSeed } from './env';
import type { TrafficResult } from './merchant-traffic';
import type { Convergence } from './role-convergence';

export interface ScenarioSummary {
  scenario: string;
  traffic: Pick<TrafficResult, 'delivered' | 'accepted' | 'repeats' | 'retries'>;
  convergence: Convergence;
  discord: DiscordTraffic;
  /** Facts particular to the scenario, appended to the line. */
  notes?: string[];
}

/**
 * Prints the scenario's one summary line (events in, roles correct after, invalid Discord requests, time
 * to converge) on stdout, where `pnpm test:chaos` shows it, and returns it for failure messages.
 */
export function reportScenario(summary: ScenarioSummary): string {
  const { traffic, convergence, discord } = summary;
  const { comparison, afterMs } = convergence;
  const converged = afterMs === null ? 'did NOT converge' : `converged in ${(afterMs / 1000).toFixed(1)} s`;
  const line =
    `[chaos ${chaosScale.name}, seed ${chaosSeed}] ${summary.scenario}: ` +
    `events in ${traffic.delivered} (new ${traffic.accepted}, repeats ${traffic.repeats}, retried ${traffic.retries}); ` +
    `roles correct after ${comparison.correct}/${comparison.total}; ` +
    `invalid Discord requests ${describeInvalid(discord)} of ${discord.requests}; ` +
    converged +
    (summary.notes === undefined || summary.notes.length === 0 ? '' : `; ${summary.notes.join('; ')}`);
  process.stdout.write(`${line}\n`);
  return line;
}
