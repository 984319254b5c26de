import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EX_CONFIG, serviceNodeFlags } from '@inflow/service-runtime';

export interface SupervisedProcess {
  name: string;
  /** Absolute path of the service's main.js. */
  entry: string;
  env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  /** Receives each line a service prints, stdout and stderr alike. */
  onLine: (service: string, line: string) => void;
  /** Receives what the supervisor itself has to say. */
  onEvent: (message: string) => void;
  /** Called when a service cannot run at all (bad configuration): restarting would not help. */
  onFatal: (service: string, code: number) => void;
  shutdownTimeoutMs: number;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Runs each service as a child process and keeps it running: a crash is restarted with a growing delay
 * (reset after a minute of good health), a configuration error (exit 78) is not. `stop()` sends SIGTERM
 * to every child, waits for them up to the timeout, then kills what is left.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number>();
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  start(service: SupervisedProcess): void {
    const child = spawn(process.execPath, [...serviceNodeFlags(service.name), service.entry], {
      env: service.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(service.name, child);
    const startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.options.onLine(service.name, line));
    }
    child.on('exit', (code, signal) => {
      this.children.delete(service.name);
      if (this.stopping) return;
      if (code === EX_CONFIG) {
        this.options.onFatal(service.name, code);
        return;
      }
      if (Date.now() - startedAt > 60_000) this.restarts.set(service.name, 0);
      const attempt = (this.restarts.get(service.name) ?? 0) + 1;
      this.restarts.set(service.name, attempt);
      const delay = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (attempt - 1));
      this.options.onEvent(`${service.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (!this.stopping) this.start(service);
      }, delay).unref();
    });
  }

  /** Stops every child; resolves with true when all exited within the timeout. */
  async stop(): Promise<boolean> {
    this.stopping = true;
    const exits = [...this.children.entries()].map(
      ([name, child]) =>
        new Promise<string>((resolve) => {
          child.once('exit', () => resolve(name));
          child.kill('SIGTERM');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
    });
    const result = await Promise.race([Promise.all(exits), timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return true;
    for (const [name, child] of this.children) {
      this.options.onEvent(`${name} did not stop in time; killing it`);
      child.kill('SIGKILL');
    }
    return false;
  }
}
