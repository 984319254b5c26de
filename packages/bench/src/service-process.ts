import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { serviceNodeFlags } from '@inflow/service-runtime';
import { repoRoot, waitForStatus } from '@inflow/testing';

export const SERVICE_NAMES = [
  'api',
  'gateway-worker',
  'role-sync-worker',
  'notification-worker',
  'cleanup-worker',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service running as its own process, the way production runs it (the built dist/main.js). */
export interface ServiceProcess {
  name: ServiceName;
  /** 1 for the first process of a service, 2… for replicas. */
  replica: number;
  pid: number;
  port: number;
  logFile: string;
  /** Resolves with the exit code or signal once the process ended. */
  exited: Promise<number | string>;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface StartServiceOptions {
  name: ServiceName;
  replica: number;
  port: number;
  /** The process's whole environment (PORT is added): nothing leaks in from the bench's own. */
  env: Record<string, string>;
  /** stdout and stderr go here, not through the bench: piping every log line into the bench process would
   *  spend the CPU the emulator and the load generators need, and distort what is measured. */
  logFile: string;
  readyTimeoutMs?: number;
  /** Extra node flags before the entry point (e.g. `--cpu-prof`); none in a normal run. */
  nodeArgs?: readonly string[];
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `node <serviceNodeFlags> services/<name>/dist/main.js` (as the image's entrypoint does) and waits
 * until it is ready.
 */
export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const fd = openSync(options.logFile, 'w');
  let child: ChildProcess;
  try {
    const args = [
      ...(options.nodeArgs ?? []),
      ...serviceNodeFlags(options.name),
      `services/${options.name}/dist/main.js`,
    ];
    child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...options.env, PORT: String(options.port) },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  const stop = async (graceMs = 15_000): Promise<number | string> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  try {
    await Promise.race([
      waitForStatus(`http://127.0.0.1:${options.port}/readyz`, 200, options.readyTimeoutMs ?? 30_000),
      exited.then((code) => {
        throw new Error(`exited with ${code}`);
      }),
    ]);
  } catch (error) {
    await stop(2_000);
    throw new Error(
      `${options.name} #${options.replica} did not become ready:\n${tail(options.logFile, 30)}`,
      {
        cause: error,
      },
    );
  }
  return {
    name: options.name,
    replica: options.replica,
    pid,
    port: options.port,
    logFile: options.logFile,
    exited,
    stop,
  };
}

/** VmRSS from the text of /proc/<pid>/status, in MB (MiB, as the kernel counts kB of 1024 bytes). */
export function vmRssMb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error('no VmRSS line in /proc/<pid>/status');
  return Number(match[1]) / 1024;
}

/** The resident memory of a running process, in MB. */
export function residentMemoryMb(pid: number): number {
  return vmRssMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
