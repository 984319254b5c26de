import type { ServiceProcess } from './service-process';

/**
 * Sums a Prometheus counter or gauge over its series, grouped by one label ('' when the series lacks
 * it), from a /metrics text.
 */
export function sumByLabel(text: string, name: string, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  const series = new RegExp(`^${name}(?:\\{([^}]*)\\})?\\s+([0-9.eE+-]+)$`, 'gm');
  for (const match of text.matchAll(series)) {
    const labels = match[1] ?? '';
    const value = Number(match[2]);
    if (!Number.isFinite(value)) continue;
    const key = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels)?.[1] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return sums;
}

/** What the role-sync workers said about their own work (their /metrics), summed over processes. */
export interface RoleSyncCounters {
  /** jobs_total by outcome: done, skipped, retry, rate-limited, … */
  jobs: Map<string, number>;
  /** discord_rate_limited_total by scope: user, global, shared. */
  rateLimited: Map<string, number>;
}

function add(into: Map<string, number>, from: Map<string, number>): void {
  for (const [key, value] of from) into.set(key, (into.get(key) ?? 0) + value);
}

export async function roleSyncCounters(workers: readonly ServiceProcess[]): Promise<RoleSyncCounters> {
  const counters: RoleSyncCounters = { jobs: new Map(), rateLimited: new Map() };
  for (const worker of workers) {
    const response = await fetch(`http://127.0.0.1:${worker.port}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    add(counters.jobs, sumByLabel(text, 'jobs_total', 'outcome'));
    add(counters.rateLimited, sumByLabel(text, 'discord_rate_limited_total', 'scope'));
  }
  return counters;
}

/** `after − before`, per key, keeping only keys that moved. */
export function delta(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [key, value] of after) {
    const change = value - (before.get(key) ?? 0);
    if (change !== 0) moved[key] = change;
  }
  return moved;
}
