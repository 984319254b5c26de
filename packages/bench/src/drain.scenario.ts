import { monitorEventLoopDelay } from 'node:perf_hooks';
import { QUEUE_NAMES, type JobName } from '@inflow/contracts';
import { maxInWindow } from '@inflow/testing';
import type { BenchStack } from './bench-stack';
import type { BenchMember } from './bench-world';
import { admissionLag, AdmissionRecorder } from './admission-recorder';
import { diagnostics, figure, type Figure } from './report';
import { drainTraffic, MEMBER_ROLE_ROUTE, type DrainTraffic } from './role-traffic';
import { sleep, type ScenarioContext } from './scenario-context';
import { perSecondCounts, round } from './series';
import { delta, roleSyncCounters } from './service-metrics';
import { cpuFigures, stackCpuMeter } from './stack-cpu';
import { lineChartSvg } from './svg-chart';

const ROLE_SYNC_JOB: JobName = 'role-sync.member';

export interface DrainOptions {
  /** Progress label and plot title, e.g. "1 role-sync worker". */
  label: string;
  plotFile: string;
  /** Members to grant the role to: one PUT each. */
  members: readonly BenchMember[];
  /** Discord's ceiling for these changes: the global limit (the per-guild buckets allow more in total). */
  ceilingPerSecond: number;
  /** Gives up when no change arrived for this long. */
  stallMs: number;
}

export interface DrainResult {
  traffic: DrainTraffic;
  figures: Figure[];
  plot: string;
  /** Members holding the role in Discord afterwards. */
  granted: number;
}

function acceptedRoleChanges(stack: BenchStack, since: number): number {
  return stack.emulator.stats
    .requests({ since, route: MEMBER_ROLE_ROUTE })
    .filter((entry) => entry.status >= 200 && entry.status < 300).length;
}

/**
 * Asks for one role sync per member through the outbox (as the api does after an event, in one
 * transaction; the api's relay publishes them) and watches Discord take the changes. The pace is measured
 * from the first change to the last in the emulator's request log, so neither the relay's start nor the
 * bench's polling counts.
 */
export async function runDrain(
  context: ScenarioContext,
  stack: BenchStack,
  options: DrainOptions,
): Promise<DrainResult> {
  const total = options.members.length;
  const workers = stack.running('role-sync-worker');
  const countersBefore = await roleSyncCounters(workers);
  // The emulator answers in this process: a stalled loop here would bunch requests into one of its
  // windows and fake 429s, so how late the loop ran is part of the result.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpu = stackCpuMeter(stack);
  cpu.begin();
  const admissions = new AdmissionRecorder(stack.prefix, stack.emulator.applicationId);
  admissions.start();
  const startedAt = Date.now();
  await stack.t.db.repositories.outbox.add(
    options.members.map((member) => ({
      jobName: ROLE_SYNC_JOB,
      payload: { guildId: member.guild.guildId, userId: member.userId, reason: 'event' },
    })),
  );
  const bar = context.progress(`drain, ${options.label}`, total);
  let done = 0;
  let lastProgressAt = Date.now();
  while (done < total && Date.now() - lastProgressAt < options.stallMs) {
    await sleep(250);
    const now = acceptedRoleChanges(stack, startedAt);
    if (now > done) lastProgressAt = Date.now();
    done = now;
    const elapsed = (Date.now() - startedAt) / 1000;
    bar.update(done, `${(done / Math.max(elapsed, 0.001)).toFixed(1)} changes/s`);
  }
  bar.finish(done, done < total ? `stalled: no change for ${options.stallMs / 1000} s` : undefined);
  const cpuUse = cpu.end();
  const admitted = await admissions.stop();
  // Every change comes back from the gateway as a member update, which queues one more (no-op) sync of
  // that member; the next scenario must not start behind that tail, and its length is worth knowing.
  const lastChangeAt = Date.now();
  context.say('waiting for the role-sync queue to empty (the gateway echoes every change)');
  await stack.waitForEmptyQueue(QUEUE_NAMES.roleSync, 180_000);
  const tailSeconds = (Date.now() - lastChangeAt) / 1000;
  // Late 429s of the tail are counted too.
  await sleep(1_000);

  loopDelay.disable();
  const entries = stack.emulator.stats.requests({ since: startedAt });
  const arrivals = entries
    .filter((entry) => entry.time <= (admitted.at(-1) ?? 0) + 5_000)
    .map((entry) => entry.time);
  const lag = admissionLag(admitted, arrivals);
  const traffic = drainTraffic(entries);
  const countersAfter = await roleSyncCounters(workers);
  const jobs = delta(countersAfter.jobs, countersBefore.jobs);
  const limited = delta(countersAfter.rateLimited, countersBefore.rateLimited);
  const granted = options.members.filter((member) =>
    (stack.emulator.state.memberRoles(member.guild.guildId, member.userId) ?? []).includes(
      member.guild.roleId,
    ),
  ).length;
  const first = traffic.changeTimesMs[0] ?? startedAt;
  const perSecond = perSecondCounts(traffic.changeTimesMs, first);
  const plot = context.writePlot(
    options.plotFile,
    lineChartSvg({
      title: `Drain of ${total} role changes, ${options.label}`,
      xLabel: 'seconds since the first role change',
      yLabel: 'role changes per second',
      series: [{ name: 'role changes accepted by Discord', points: perSecond }],
      horizontal: [{ value: options.ceilingPerSecond, label: `ceiling ${options.ceilingPerSecond}/s` }],
    }),
  );
  const percent429 = traffic.roleRequests === 0 ? 0 : (traffic.roleRoute429 / traffic.roleRequests) * 100;
  return {
    traffic,
    granted,
    plot,
    figures: [
      figure('achieved / ceiling', round(traffic.changesPerSecond / options.ceilingPerSecond, 3), '', {
        op: '>=',
        value: 0.9,
      }),
      figure('role changes per second', round(traffic.changesPerSecond, 1), '/s'),
      figure('role changes accepted', traffic.changes, '', { op: '==', value: total }),
      figure('members holding the role afterwards', granted, '', { op: '==', value: total }),
      figure('drain time, first to last change', round(traffic.spanSeconds, 1), 's'),
      figure('global 429s', traffic.rateLimited.global, '', { op: '==', value: 0 }),
      figure('per-route 429s, % of role requests', round(percent429, 2), '%', { op: '<', value: 1 }),
      figure('member reads (GET member)', traffic.memberReads, ''),
      ...diagnostics([
        figure('other Discord requests in the window', traffic.otherRequests, ''),
        figure(
          'most requests Discord received in any 1 s',
          maxInWindow(
            entries.map((entry) => entry.time),
            1_000,
          ),
          '',
        ),
        figure('role-sync queue empty, seconds after the last change', round(tailSeconds, 1), 's'),
        figure('requests the product limiter admitted (Redis log)', admitted.length, ''),
        figure('most admissions in any 1 s (the product limiter)', maxInWindow(admitted, 1_000), ''),
        ...(lag === null
          ? []
          : [
              figure('admission to arrival at Discord, p50', lag.p50, 'ms'),
              figure('admission to arrival at Discord, p99', lag.p99, 'ms'),
              figure('admission to arrival at Discord, max', lag.max, 'ms'),
            ]),
        figure(
          'bench event-loop delay p99 (the emulator runs in it)',
          round(loopDelay.percentile(99) / 1e6, 1),
          'ms',
        ),
        // A stall of the emulator's process bunches the requests that reached it meanwhile into one of its
        // seconds; worth ruling out before blaming the limiter for a global 429.
        figure('bench event-loop delay max', round(loopDelay.max / 1e6, 1), 'ms'),
        ...global429Moments(traffic.global429TimesMs, first),
        ...Object.entries(jobs).map(([outcome, count]) => figure(`role-sync jobs ${outcome}`, count, '')),
        ...Object.entries(limited).map(([scope, count]) =>
          figure(`429s the role-sync workers saw, scope ${scope}`, count, ''),
        ),
        ...cpuFigures(cpuUse, 'during the drain'),
      ]),
    ],
  };
}

/** When the first and the last global 429 came, in seconds after the first change; nothing when none came. */
function global429Moments(timesMs: readonly number[], firstChangeMs: number): Figure[] {
  const firstAt = timesMs[0];
  const lastAt = timesMs.at(-1);
  if (firstAt === undefined || lastAt === undefined) return [];
  return [
    figure(
      'first global 429, seconds after the first change',
      round((firstAt - firstChangeMs) / 1000, 1),
      's',
    ),
    figure('last global 429, seconds after the first change', round((lastAt - firstChangeMs) / 1000, 1), 's'),
  ];
}
