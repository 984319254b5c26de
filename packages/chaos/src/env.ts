/**
 * How big and how long the chaos scenarios are. `pnpm test` runs the reduced set (the whole suite in a
 * few minutes on a small machine); `pnpm test:chaos` sets CHAOS_FULL=1 for the full figures:
 * Postgres out for 20 s, a 60 s Discord fault storm, 5,000 hostile requests.
 */
export interface ChaosScale {
  /** `full` or `reduced`, printed with every summary line. */
  name: 'full' | 'reduced';
  /** Members (Discord users with a linked customer) per scenario. */
  members: number;
  /** Merchant events per member's subscription over a run (before duplicates). */
  eventsPerSubscription: number;
  /** How long the merchant's event traffic is spread over. */
  trafficMs: number;
  /** How long Postgres is unreachable. */
  postgresOutageMs: number;
  /** How long Discord answers 30 % 5xx with 429 bursts of every scope. */
  faultStormMs: number;
  /** Malformed or hostile requests sent to the api. */
  hostileRequests: number;
  /** How long roles may take to equal what Postgres says once the chaos is over. */
  convergeTimeoutMs: number;
  /** Jest's per-test timeout (set in chaos-timeout.ts). */
  testTimeoutMs: number;
}

const REDUCED: ChaosScale = {
  name: 'reduced',
  members: 24,
  eventsPerSubscription: 3,
  trafficMs: 5_000,
  postgresOutageMs: 5_000,
  faultStormMs: 10_000,
  hostileRequests: 600,
  convergeTimeoutMs: 45_000,
  testTimeoutMs: 180_000,
};

const FULL: ChaosScale = {
  name: 'full',
  members: 150,
  eventsPerSubscription: 5,
  trafficMs: 30_000,
  postgresOutageMs: 20_000,
  faultStormMs: 60_000,
  hostileRequests: 5_000,
  convergeTimeoutMs: 240_000,
  testTimeoutMs: 900_000,
};

export const chaosScale: ChaosScale = process.env.CHAOS_FULL === '1' ? FULL : REDUCED;

/**
 * Seeds the random event traffic and fault timing; every summary line prints it, and CHAOS_SEED=<n>
 * replays a run's traffic.
 */
export const chaosSeed: number = /^\d+$/.test(process.env.CHAOS_SEED ?? '')
  ? Number(process.env.CHAOS_SEED)
  : Math.floor(Math.random() * 2 ** 31);
