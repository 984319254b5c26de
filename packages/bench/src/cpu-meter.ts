import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`); 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** utime + stime, in ticks, from the text of /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function processTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return utime + stime;
}

/** Busy and total ticks of the whole machine, from the first line of /proc/stat. */
export function machineTicks(stat: string): { busy: number; total: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('no cpu line in /proc/stat');
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Read and write system calls so far, from the text of /proc/<pid>/io. */
export function ioCalls(io: string): { reads: number; writes: number } {
  const value = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  const reads = value('syscr');
  const writes = value('syscw');
  if (!Number.isFinite(reads) || !Number.isFinite(writes)) throw new Error('unreadable /proc/<pid>/io');
  return { reads, writes };
}

interface ProcessCounters {
  ticks: number;
  reads: number;
  writes: number;
}

function readCounters(pid: number): ProcessCounters | null {
  try {
    const ticks = processTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return { ticks, ...ioCalls(readFileSync(`/proc/${pid}/io`, 'utf8')) };
  } catch {
    return null; // gone since the snapshot
  }
}

/** Processes whose command line contains every one of `parts` (e.g. Postgres backends of one database). */
export function pidsMatching(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
  }
  return pids;
}

/** CPU used per group over a window, as a share of one core (1 = one core busy the whole time). */
export interface CpuUse {
  seconds: number;
  /** Group name → cores used on average. */
  cores: Record<string, number>;
  /**
   * Group name → write system calls made in the window. On a socket every round trip costs the sender a
   * write, so this counts round trips (statements answered by Postgres, replies sent by the api).
   */
  writeCalls: Record<string, number>;
  readCalls: Record<string, number>;
  /** The whole machine, in cores, and how many it has. */
  machineCores: number;
  machineBusyCores: number;
}

/**
 * Measures which processes spent the CPU during a window: fixed groups of pids read from /proc at the
 * start and at the end, and the whole machine, so that what nobody in the groups used (other work on the
 * machine) shows too.
 */
export class CpuMeter {
  private startedAt = 0;
  private start: Map<string, Map<number, ProcessCounters>> = new Map();
  private machineStart = { busy: 0, total: 0 };

  constructor(private readonly groups: Record<string, readonly number[]>) {}

  begin(): void {
    this.startedAt = Date.now();
    this.machineStart = machineTicks(readFileSync('/proc/stat', 'utf8'));
    this.start = new Map(
      Object.entries(this.groups).map(([name, pids]) => [
        name,
        new Map(
          pids.flatMap((pid) => {
            const counters = readCounters(pid);
            return counters === null ? [] : [[pid, counters] as const];
          }),
        ),
      ]),
    );
  }

  end(): CpuUse {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const machine = machineTicks(readFileSync('/proc/stat', 'utf8'));
    const cores: Record<string, number> = {};
    const writeCalls: Record<string, number> = {};
    const readCalls: Record<string, number> = {};
    for (const [name, pids] of this.start) {
      let ticks = 0;
      let reads = 0;
      let writes = 0;
      for (const [pid, before] of pids) {
        const after = readCounters(pid);
        if (after === null) continue;
        ticks += after.ticks - before.ticks;
        reads += after.reads - before.reads;
        writes += after.writes - before.writes;
      }
      cores[name] = ticks / TICKS_PER_SECOND / seconds;
      writeCalls[name] = writes;
      readCalls[name] = reads;
    }
    const totalDelta = machine.total - this.machineStart.total;
    const machineCores = totalDelta / TICKS_PER_SECOND / seconds;
    return {
      seconds,
      cores,
      writeCalls,
      readCalls,
      machineCores: Math.round(machineCores),
      machineBusyCores:
        totalDelta === 0 ? 0 : ((machine.busy - this.machineStart.busy) / totalDelta) * machineCores,
    };
  }
}
