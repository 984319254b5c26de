import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root, for paths to built entry points. */
export const repoRoot = resolve(__dirname, '../../..');

/** A port nobody listens on right now (0: let the kernel choose one). */
export async function freePort(port = 0): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(bound));
    });
  });
}

/** Linux hands out ports from 32768 up for outgoing connections and `listen(0)`; ranges stay below it. */
const EPHEMERAL_FROM = 32_768;

/**
 * The first of `count` consecutive ports nobody listens on now, below the ephemeral range, so that the
 * connections other tests open cannot take one of them before the process under test binds it (the
 * launcher gives each service PORT_BASE + n).
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * (EPHEMERAL_FROM - 20_000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const free = await Promise.all(
      ports.map((port) =>
        freePort(port).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports below ${EPHEMERAL_FROM}`);
}

/** A child process under test, with its output kept line by line. */
export interface RunningProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  exited: Promise<number | string>;
  /** Resolves when a line of stdout or stderr matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it ended. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Starts `node <args>` from the repository root with exactly `env` (plus PATH and HOME), so a test
 * controls everything the process configures itself from.
 */
export function startNode(args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onLine = (sink: string[]) => (line: string) => {
    sink.push(line);
    for (const watcher of [...watchers]) {
      if (watcher.pattern.test(line)) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine(stdout));
  createInterface({ input: child.stderr }).on('line', onLine(stderr));
  const exited = new Promise<number | string>((done) => {
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
  });

  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine: (pattern, timeoutMs = 30_000) => {
      const seen = [...stdout, ...stderr].find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () =>
            fail(
              new Error(
                `no line matching ${pattern} within ${timeoutMs} ms:\n${[...stdout, ...stderr].join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        watchers.push({ pattern, resolve: (line) => (clearTimeout(timer), done(line)) });
      });
    },
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** GETs a loopback URL without keep-alive; resolves with status and body. */
export async function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { connection: 'close' },
  });
  return { status: response.status, body: await response.text() };
}

/** Polls `url` until it answers `status`; rejects at the deadline. */
export async function waitForStatus(url: string, status: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await httpGet(url)).status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/**
 * Node flags that let a child process run this repository's TypeScript without a build: workspace
 * packages resolve to their sources and each .ts file is compiled by swc on load (see swc-register.cjs).
 */
export const typeScriptExecArgv: readonly string[] = [
  '--conditions=@inflow/source',
  '--enable-source-maps',
  '--require',
  resolve(__dirname, 'swc-register.cjs'),
];
