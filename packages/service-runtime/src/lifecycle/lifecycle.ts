import { performance } from 'node:perf_hooks';
import { type Logger } from 'pino';

/** Closes one resource: a worker, a server, a connection. */
export type Closer = () => Promise<void> | void;

/** Where SIGTERM and SIGINT arrive; `process` in production, an EventEmitter in tests. */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on'>;

export interface CreateLifecycleOptions {
  /** Receives one line per closer with its duration, and the names still open when time ran out. */
  logger: Logger;
  /** How long all closers together may take; then the process exits with 1 (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** Ends the process with the shutdown's exit code. Default `process.exit`. */
  exit?: (code: number) => void;
  /** Where SIGTERM and SIGINT are listened for. Default `process`. */
  signals?: SignalSource;
}

export interface Lifecycle {
  /**
   * Registers a closer. Closers run one at a time in reverse order of registration, so what was
   * started last (the HTTP server, the workers) stops before what it depends on (connections).
   * One registered while a shutdown runs is closed next.
   */
  onShutdown(name: string, close: Closer): void;
  /**
   * Closes everything and exits: 0 when every closer finished in time, 1 when one failed or the
   * timeout hit, or `exitCode` if higher. Every call returns the same promise (of the exit code).
   */
  shutdown(reason: string, exitCode?: number): Promise<number>;
  /** True from the first shutdown call on; a property so it can be handed to createHealthHandlers as is. */
  readonly isShuttingDown: () => boolean;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function createLifecycle(options: CreateLifecycleOptions): Lifecycle {
  const { logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const closers: { name: string; close: Closer }[] = [];
  const running = new Set<string>();
  let shutdownPromise: Promise<number> | undefined;
  let minimumExitCode = 0;

  async function closeAll(): Promise<boolean> {
    let allClosed = true;
    // pop() rather than iterating a copy, so a closer registered mid-shutdown is still closed.
    for (let closer = closers.pop(); closer !== undefined; closer = closers.pop()) {
      const started = performance.now();
      running.add(closer.name);
      try {
        await closer.close();
        logger.info({ closer: closer.name, durationMs: elapsed(started) }, 'closed');
      } catch (error) {
        allClosed = false;
        logger.error({ closer: closer.name, durationMs: elapsed(started), err: error }, 'close failed');
      } finally {
        running.delete(closer.name);
      }
    }
    return allClosed;
  }

  async function run(): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    // Not unref'd: when a closer hangs on a promise with no I/O behind it, this timer is what ends the process.
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([closeAll(), timedOut]);
    clearTimeout(timer);
    let code: number;
    if (outcome === 'timeout') {
      code = 1;
      logger.error(
        { timeoutMs, running: [...running], notStarted: closers.map((closer) => closer.name).reverse() },
        'shutdown timed out',
      );
    } else {
      code = outcome ? 0 : 1;
    }
    code = Math.max(code, minimumExitCode);
    logger.info({ exitCode: code }, 'exiting');
    exit(code);
    return code;
  }

  const lifecycle: Lifecycle = {
    onShutdown(name, close) {
      if (shutdownPromise !== undefined) logger.warn({ closer: name }, 'closer registered during shutdown');
      closers.push({ name, close });
    },
    shutdown(reason, exitCode = 0) {
      minimumExitCode = Math.max(minimumExitCode, exitCode);
      if (shutdownPromise !== undefined) {
        logger.info({ reason }, 'shutdown already in progress');
        return shutdownPromise;
      }
      logger.info({ reason, timeoutMs }, 'shutting down');
      shutdownPromise = run();
      return shutdownPromise;
    },
    isShuttingDown: () => shutdownPromise !== undefined,
  };

  // `on`, not `once`: a second SIGTERM must not fall through to node's default handler and kill the
  // process mid-shutdown; it lands in the shutdown already running.
  const signals = options.signals ?? process;
  for (const signal of SIGNALS) signals.on(signal, () => void lifecycle.shutdown(signal));

  return lifecycle;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
