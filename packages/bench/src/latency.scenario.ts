import { monitorEventLoopDelay } from 'node:perf_hooks';
import { QUEUE_NAMES } from '@inflow/contracts';
import type { BenchStack } from './bench-stack';
import type { BenchMember, Merchant } from './bench-world';
import { subscriptionCreated } from './merchant-events';
import { diagnostics, figure, type Figure } from './report';
import { firstRoleChangeByMember } from './role-traffic';
import { sleep, type ScenarioContext } from './scenario-context';
import { binWidthFor, histogram, longestPause, maxOf, percentile, round, type SeriesPoint } from './series';
import { delta, roleSyncCounters } from './service-metrics';
import { cpuFigures, stackCpuMeter } from './stack-cpu';
import { histogramSvg, lineChartSvg } from './svg-chart';

export interface LatencyOptions {
  members: readonly BenchMember[];
  eventsPerSecond: number;
  /** Gives up waiting for roles this long after the last event was answered. */
  settleMs: number;
  targetP99Ms: number;
}

export interface LatencyResult {
  figures: Figure[];
  plots: string[];
  notes: string[];
}

interface Sent {
  member: BenchMember;
  status: number;
  answeredAt: number;
  requestMs: number;
}

/**
 * Sends one `subscription.created` per member at a fixed rate (open loop: the schedule does not wait for
 * answers) and measures, per event, from the moment `POST /events` answered to the moment the emulator
 * answered the role PUT it caused. Both clocks are the bench process's: the emulator runs inside it.
 */
export async function runLatency(
  context: ScenarioContext,
  stack: BenchStack,
  merchant: Merchant,
  options: LatencyOptions,
): Promise<LatencyResult> {
  const total = options.members.length;
  const workers = stack.running('role-sync-worker');
  const countersBefore = await roleSyncCounters(workers);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpu = stackCpuMeter(stack);
  cpu.begin();
  const intervalMs = 1000 / options.eventsPerSecond;
  const sent: Array<Promise<Sent>> = [];
  const bar = context.progress(`event-to-role latency, ${options.eventsPerSecond} events/s`, total);
  const startedAt = Date.now();
  for (const [i, member] of options.members.entries()) {
    const wait = startedAt + i * intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    sent.push(postEvent(stack, merchant, member, `evt_latency_${i}`));
    bar.update(i + 1);
  }
  const answers = await Promise.all(sent);
  const sendSeconds = (Date.now() - startedAt) / 1000;
  const lastAnswer = maxOf(answers.map((a) => a.answeredAt));
  let firstChange = firstRoleChangeByMember(stack.emulator.stats.requests({ since: startedAt }));
  while (firstChange.size < total && Date.now() - lastAnswer < options.settleMs) {
    await sleep(200);
    firstChange = firstRoleChangeByMember(stack.emulator.stats.requests({ since: startedAt }));
  }
  bar.finish(total, `${firstChange.size}/${total} roles granted`);
  const cpuUse = cpu.end();
  loopDelay.disable();
  await stack.waitForEmptyQueue(QUEUE_NAMES.roleSync, 120_000);
  const countersAfter = await roleSyncCounters(workers);
  const jobs = delta(countersAfter.jobs, countersBefore.jobs);
  const limited = delta(countersAfter.rateLimited, countersBefore.rateLimited);

  const latencies: number[] = [];
  const timeline: Array<{ sentAt: number; latency: number }> = [];
  const waiting: Array<[number, number]> = [];
  for (const answer of answers) {
    const changedAt = firstChange.get(`${answer.member.guild.guildId}/${answer.member.userId}`);
    if (answer.status !== 202 || changedAt === undefined) continue;
    latencies.push(changedAt - answer.answeredAt);
    timeline.push({ sentAt: answer.answeredAt, latency: changedAt - answer.answeredAt });
    waiting.push([answer.answeredAt, changedAt]);
  }
  if (latencies.length === 0) throw new Error('no event led to a role change: see bench/results/*.log.tmp');
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const p99 = percentile(latencies, 99);
  const range = Math.max(300, p99 * 1.25);
  const binWidth = binWidthFor(range, 60);
  const maxShown = Math.ceil(range / binWidth) * binWidth;
  const plot = context.writePlot(
    'latency.svg',
    histogramSvg({
      title: `Event-to-role latency at ${options.eventsPerSecond} events/s (${latencies.length} events)`,
      xLabel:
        'ms from POST /events answered to the role PUT answered by Discord (last bin: everything beyond)',
      bins: histogram(latencies, binWidth, maxShown),
      markers: [
        { value: p50, label: `p50 ${round(p50, 0)} ms`, dashed: false },
        { value: p95, label: `p95 ${round(p95, 0)} ms`, dashed: false },
        { value: p99, label: `p99 ${round(p99, 0)} ms`, dashed: false },
        { value: options.targetP99Ms, label: `target p99 < ${options.targetP99Ms} ms` },
      ],
    }),
  );
  const overTime = context.writePlot(
    'latency-over-time.svg',
    lineChartSvg({
      title: 'Event-to-role latency over the run (per second of sending)',
      xLabel: 'seconds since the first event',
      yLabel: 'ms',
      series: [
        {
          name: 'slowest event of the second',
          points: perSecondStat(timeline, startedAt, (v) => maxOf(v)),
        },
        {
          name: 'median event of the second',
          points: perSecondStat(timeline, startedAt, (v) => percentile(v, 50)),
        },
      ],
      horizontal: [{ value: options.targetP99Ms, label: `target p99 < ${options.targetP99Ms} ms` }],
    }),
  );
  const requestTimes = answers.map((a) => a.requestMs);
  // Whatever is still cold carries into the first seconds (all of the stack when scenario 3 runs alone).
  const sentEarly = (t: { sentAt: number }) => t.sentAt - startedAt < FIRST_SECONDS_MS;
  const early = timeline.filter(sentEarly).map((t) => t.latency);
  const later = timeline.filter((t) => !sentEarly(t)).map((t) => t.latency);
  const p99Of = (values: number[]) => (values.length === 0 ? 0 : round(percentile(values, 99), 1));
  return {
    plots: [plot, overTime],
    notes: [],
    figures: [
      figure('p50', round(p50, 1), 'ms'),
      figure('p95', round(p95, 1), 'ms'),
      figure('p99', round(p99, 1), 'ms', { op: '<', value: options.targetP99Ms }),
      figure('max', round(maxOf(latencies), 1), 'ms'),
      figure('events sent per second', round(total / sendSeconds, 1), '/s'),
      figure('events accepted (202)', answers.filter((a) => a.status === 202).length, '', {
        op: '==',
        value: total,
      }),
      figure('roles granted', firstChange.size, '', { op: '==', value: total }),
      ...diagnostics([
        figure('POST /events p99 (for reference)', round(percentile(requestTimes, 99), 1), 'ms'),
        figure(`p99 of the events sent in the first ${FIRST_SECONDS_MS / 1000} s`, p99Of(early), 'ms'),
        figure(`p99 of the events sent after the first ${FIRST_SECONDS_MS / 1000} s`, p99Of(later), 'ms'),
        figure(
          'longest pause in role changes while an event waited',
          longestPause([...firstChange.values()], waiting),
          'ms',
        ),
        figure(
          'bench event-loop delay p99 (the emulator runs in it)',
          round(loopDelay.percentile(99) / 1e6, 1),
          'ms',
        ),
        ...Object.entries(jobs).map(([outcome, count]) => figure(`role-sync jobs ${outcome}`, count, '')),
        ...Object.entries(limited).map(([scope, count]) =>
          figure(`429s the role-sync workers saw, scope ${scope}`, count, ''),
        ),
        ...cpuFigures(cpuUse, 'while sending'),
      ]),
    ],
  };
}

/** The start of the run reported apart: whatever is still cold (code not yet optimised, new connections). */
const FIRST_SECONDS_MS = 5_000;

/** Per whole second of sending, a statistic of the latencies of the events sent in it. */
function perSecondStat(
  timeline: ReadonlyArray<{ sentAt: number; latency: number }>,
  startMs: number,
  stat: (values: number[]) => number,
): SeriesPoint[] {
  const seconds = new Map<number, number[]>();
  for (const { sentAt, latency } of timeline) {
    const second = Math.floor((sentAt - startMs) / 1000);
    const list = seconds.get(second) ?? [];
    list.push(latency);
    seconds.set(second, list);
  }
  return [...seconds].sort(([a], [b]) => a - b).map(([t, values]) => ({ t, value: round(stat(values), 1) }));
}

async function postEvent(
  stack: BenchStack,
  merchant: Merchant,
  member: BenchMember,
  eventId: string,
): Promise<Sent> {
  const body = subscriptionCreated(
    eventId,
    {
      subscriptionId: member.subscriptionExternalId,
      offerId: member.guild.offerId,
      customerId: member.customerExternalId,
    },
    new Date(),
  );
  const began = Date.now();
  const response = await fetch(`${stack.apiUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-inflow-api-key': merchant.apiKey },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const answeredAt = Date.now();
  return { member, status: response.status, answeredAt, requestMs: answeredAt - began };
}
