import { performance } from 'node:perf_hooks';
import { type DestinationStream } from 'pino';
import { errorSummary } from '../error-summary';
import { createLogger, type Logger } from '../logging/logger';
import { type Lifecycle } from './lifecycle';

/** What runService hands to a service's start function. */
export interface ServiceContext {
  readonly service: string;
  /** Hands over the service's logger as soon as it exists; failures are then logged through it. */
  useLogger(logger: Logger): Logger;
  /** Hands over the lifecycle; a crash then shuts down through it instead of exiting at once. */
  useLifecycle(lifecycle: Lifecycle): Lifecycle;
}

export interface RunServiceOptions {
  /** Ends the process when no lifecycle was handed over yet. Default `process.exit`. */
  exit?: (code: number) => void;
  /** Receives the plain one-line failure message. Default `process.stderr`. */
  stderr?: { write(text: string): unknown };
  /** Where the JSON line goes when start failed before handing a logger over. Default stdout. */
  logDestination?: DestinationStream;
  /** Where `unhandledRejection` and `uncaughtException` are listened for. Default `process`. */
  processEvents?: Pick<NodeJS.EventEmitter, 'on'>;
}

/**
 * Runs a service's `start` (its main.ts body). runService creates nothing itself: `start` builds the
 * logger and lifecycle from its env and hands them over through the context. A startup failure, an
 * unhandled rejection or an uncaught exception becomes one fatal JSON log line plus one plain stderr
 * line (read by people looking at a crash loop), then a shutdown with exit code 1.
 */
export async function runService(
  service: string,
  start: (context: ServiceContext) => Promise<void>,
  options: RunServiceOptions = {},
): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stderr = options.stderr ?? process.stderr;
  let logger: Logger | undefined;
  let lifecycle: Lifecycle | undefined;

  const fail = (what: string, error: unknown): void => {
    // Before start handed a logger over, a default one still gives the JSON line log shippers expect.
    const fallback = () =>
      createLogger({
        service,
        level: 'info',
        ...(options.logDestination && { destination: options.logDestination }),
      });
    (logger ?? fallback()).fatal({ err: error }, what);
    stderr.write(`${service}: ${what}: ${errorSummary(error)}\n`);
    if (lifecycle === undefined) exit(1);
    else void lifecycle.shutdown(what, 1);
  };

  const events = options.processEvents ?? process;
  events.on('unhandledRejection', (reason: unknown) => fail('unhandled rejection', reason));
  events.on('uncaughtException', (error: unknown) => fail('uncaught exception', error));

  const context: ServiceContext = {
    service,
    useLogger: (given) => (logger = given),
    useLifecycle: (given) => (lifecycle = given),
  };
  const started = performance.now();
  try {
    await start(context);
    logger?.info({ durationMs: Math.round(performance.now() - started) }, 'started');
  } catch (error) {
    fail('startup failed', error);
  }
}
