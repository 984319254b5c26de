import { expect } from '@jest/globals';
import type { Merchant } from '@inflow/e2e/src/merchant-setup';
import type { Stack } from '@inflow/e2e/src/stack';
import { apiPort, type ChaosGuild, type ChaosMember } from './chaos-world';
import { discordTraffic, type DiscordTraffic } from './discord-traffic';
import { chaosScale, chaosSeed } from './env';
import { finalStatuses, planEvents, type PlannedEvent } from './event-plan';
import { startTraffic, type RunningTraffic, type TrafficResult } from './merchant-traffic';
import { waitForNotifications, type NotificationWait } from './notification-check';
import { waitForRoleConvergence, type Convergence, type MemberRef } from './role-convergence';
import { reportScenario } from './scenario-report';
import { seededRandom } from './seeded-random';
import { checkStore, type StoreCheck } from './store-check';

/** One merchant's world in a stack, accumulated over the scenarios run in it. */
export interface ChaosLedger {
  stack: Stack;
  merchant: Merchant;
  /** Guilds whose notifications are checked (those the bot still serves). */
  guilds: ChaosGuild[];
  /** Every member so far whose roles the verdict compares. */
  members: MemberRef[];
  /** Every event sent so far. */
  events: PlannedEvent[];
}

export interface ScenarioOptions {
  name: string;
  ledger: ChaosLedger;
  /** The members whose subscriptions this scenario's traffic moves. */
  members: readonly ChaosMember[];
  /** The members whose roles join the verdict; default `members`. */
  judged?: readonly MemberRef[];
  /**
   * Runs the fault while the traffic flows; resolves once it is over (the fault healed) with notes for
   * the summary line.
   */
  chaos(traffic: RunningTraffic): Promise<string[]>;
  /**
   * How long notifications may take once roles converged. Default 75 s: BullMQ gives a killed worker's
   * jobs to another once their lock expired and a stalled check saw them twice (30 s each for notifications).
   */
  notificationTimeoutMs?: number;
  /**
   * No verdict before this moment (ms since the epoch): when access ends by the clock after the fault,
   * roles that are right before it prove nothing about what happens then.
   */
  verdictNotBefore?: number;
  /** Facts known only at the end (after convergence), for the summary line. */
  finalNotes?: () => string[];
  trafficMs?: number;
}

export interface ScenarioOutcome {
  line: string;
  traffic: TrafficResult;
  convergence: Convergence;
  discord: DiscordTraffic;
  store: StoreCheck;
  notifications: NotificationWait;
}

let scenarioCounter = 0;

/**
 * Brings members to a known state before a scenario: sends their events (all at once, retried until
 * taken), adds them to the ledger and waits until their roles equal what Postgres says.
 */
export async function settleMembers(
  ledger: ChaosLedger,
  members: readonly MemberRef[],
  events: readonly PlannedEvent[],
): Promise<void> {
  const sent = await startTraffic(apiPort(ledger.stack), ledger.merchant.apiKey, events, {
    durationMs: 0,
  }).done;
  if (sent.delivered !== events.length) throw new Error(`settling: not every event was taken`);
  ledger.events.push(...events);
  ledger.members.push(...members);
  const settled = await waitForRoleConvergence(ledger.stack.db, ledger.stack.emulator.state, members, {
    timeoutMs: chaosScale.convergeTimeoutMs,
  });
  if (settled.afterMs === null)
    throw new Error(`settling: roles did not converge: ${JSON.stringify(settled.comparison.mismatches)}`);
}

/**
 * A scenario from start to verdict: the merchant's events flow while `chaos` does its worst; then roles
 * must come to equal what Postgres says, every event must be stored whole, and every notification
 * posted once. Prints the summary line and returns everything for the scenario's own assertions.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { ledger } = options;
  scenarioCounter += 1;
  const random = seededRandom(chaosSeed + scenarioCounter);
  const events = planEvents(options.members, {
    label: `s${scenarioCounter}`,
    perSubscription: chaosScale.eventsPerSubscription,
    random,
  });
  ledger.events.push(...events);
  ledger.members.push(...(options.judged ?? options.members));

  const since = Date.now();
  const traffic = startTraffic(apiPort(ledger.stack), ledger.merchant.apiKey, events, {
    durationMs: options.trafficMs ?? chaosScale.trafficMs,
  });
  const notes = await options.chaos(traffic);
  const healedAt = Date.now();
  const sent = await traffic.done;
  const judgeFrom = Math.max(healedAt, sent.finishedAt, options.verdictNotBefore ?? 0);
  if (judgeFrom > Date.now()) await new Promise((resolve) => setTimeout(resolve, judgeFrom - Date.now()));
  const convergence = await waitForRoleConvergence(
    ledger.stack.db,
    ledger.stack.emulator.state,
    ledger.members,
    { timeoutMs: chaosScale.convergeTimeoutMs, since: judgeFrom },
  );
  // BullMQ hands a killed worker's jobs to another after its lock expired (30 s for notifications).
  const notifications = await waitForNotifications(ledger.stack.t, ledger.stack.emulator, ledger.guilds, {
    timeoutMs: convergence.afterMs === null ? 1_000 : (options.notificationTimeoutMs ?? 75_000),
    since: judgeFrom,
  });
  const store = await checkStore(
    ledger.stack.t,
    ledger.merchant.merchantId,
    finalStatuses(ledger.events),
    new Set(ledger.events.map((event) => event.id)).size,
  );
  const discord = discordTraffic(ledger.stack.emulator, since);
  const line = reportScenario({
    scenario: options.name,
    traffic: sent,
    convergence,
    discord,
    notes: [
      ...notes,
      ...(options.finalNotes?.() ?? []),
      ...(sent.unavailable === 0
        ? []
        : [
            `api 503 ×${sent.unavailable} (slowest ${sent.slowestUnavailableMs.toFixed(0)} ms), each retried`,
          ]),
      ...(sent.serverErrors.length === 0 ? [] : [`api other 5xx ×${sent.serverErrors.length}`]),
      `notifications once ${notifications.postedOnce}/${notifications.expected}` +
        (notifications.afterMs === null ? '' : ` (${(notifications.afterMs / 1000).toFixed(1)} s)`),
      `events stored ${store.eventsRecorded}/${store.eventsSent}, statuses ${store.statusesCorrect}/${store.statusesTotal}`,
    ],
  });
  return { line, traffic: sent, convergence, discord, store, notifications };
}

/**
 * What every scenario must end with: roles equal to what Postgres says, every event taken and stored
 * whole without a 5xx other than 503, every notification posted exactly once, and no IP ban.
 */
export function expectRecovered(outcome: ScenarioOutcome): void {
  const { traffic, convergence, store, notifications, discord } = outcome;
  expect({ scenario: outcome.line, mismatches: convergence.comparison.mismatches.slice(0, 10) }).toEqual({
    scenario: outcome.line,
    mismatches: [],
  });
  expect(traffic.serverErrors).toEqual([]);
  expect(traffic.rejected).toEqual([]);
  expect(traffic.abandoned).toEqual([]);
  expect(store.halfWritten).toEqual([]);
  expect(store.eventsRecorded).toBe(store.eventsSent);
  expect(store.statusesCorrect).toBe(store.statusesTotal);
  expect(notifications.duplicated).toEqual([]);
  expect(notifications.missing).toEqual([]);
  expect(discord.bans).toBe(0);
}
