import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../logging/logger';
import { captureLogs } from '../test/log-capture';
import { createLifecycle } from './lifecycle';
import { runService, type RunServiceOptions } from './run-service';

function setup() {
  const logs = captureLogs();
  const exits: number[] = [];
  let stderr = '';
  const processEvents = new EventEmitter();
  const options: RunServiceOptions = {
    exit: (code) => void exits.push(code),
    stderr: { write: (text: string) => (stderr += text) },
    processEvents,
    logDestination: logs.destination,
  };
  const logger = createLogger({ service: 'gateway-worker', level: 'info', destination: logs.destination });
  return { logs, exits, stderr: () => stderr, processEvents, options, logger };
}

describe('runService', () => {
  it('logs the start and exits nothing when start resolves', async () => {
    const { logs, exits, stderr, options, logger } = setup();
    await runService(
      'gateway-worker',
      (context) => {
        context.useLogger(logger);
        return Promise.resolve();
      },
      options,
    );
    expect(exits).toEqual([]);
    expect(stderr()).toBe('');
    expect(logs.records()).toEqual([
      expect.objectContaining({ msg: 'started', durationMs: expect.any(Number) }),
    ]);
  });

  it('turns a startup failure into one fatal log line, one stderr line and exit 1', async () => {
    const { logs, exits, stderr, options, logger } = setup();
    await runService(
      'gateway-worker',
      async (context) => {
        context.useLogger(logger);
        await Promise.resolve();
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect');
      },
      options,
    );
    expect(exits).toEqual([1]);
    expect(stderr()).toBe('gateway-worker: startup failed: connect ECONNREFUSED 127.0.0.1:5432\n');
    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: 'startup failed',
        err: expect.objectContaining({
          message: expect.stringContaining('ECONNREFUSED'),
          stack: expect.any(String),
        }),
      }),
    ]);
  });

  it('shuts down through the handed-over lifecycle with exit code 1 when startup fails late', async () => {
    const { exits, options, logger } = setup();
    const closed: string[] = [];
    await runService(
      'gateway-worker',
      (context) => {
        context.useLogger(logger);
        const lifecycle = context.useLifecycle(
          createLifecycle({ logger, timeoutMs: 1_000, exit: options.exit!, signals: new EventEmitter() }),
        );
        lifecycle.onShutdown('redis', () => void closed.push('redis'));
        return Promise.reject(new Error('gateway login failed'));
      },
      options,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual(['redis']);
    expect(exits).toEqual([1]);
  });

  it('logs an unhandled rejection after startup and shuts down with exit code 1', async () => {
    const { logs, exits, stderr, processEvents, options, logger } = setup();
    let lifecycle: ReturnType<typeof createLifecycle> | undefined;
    await runService(
      'gateway-worker',
      (context) => {
        context.useLogger(logger);
        lifecycle = context.useLifecycle(
          createLifecycle({ logger, timeoutMs: 1_000, exit: options.exit!, signals: new EventEmitter() }),
        );
        return Promise.resolve();
      },
      options,
    );

    processEvents.emit('unhandledRejection', new Error('shard 0 lost'));
    expect(lifecycle?.isShuttingDown()).toBe(true);
    expect(await lifecycle?.shutdown('test')).toBe(1);
    expect(exits).toEqual([1]);
    expect(stderr()).toBe('gateway-worker: unhandled rejection: shard 0 lost\n');
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'fatal', msg: 'unhandled rejection' }),
    );
  });

  it('exits 1 on an uncaught exception before a lifecycle exists', async () => {
    const { logs, exits, stderr, processEvents, options } = setup();
    let release: () => void = () => undefined;
    const running = runService(
      'gateway-worker',
      () => new Promise<void>((resolve) => (release = resolve)),
      options,
    );
    processEvents.emit('uncaughtException', new RangeError('bad shard count'));
    release();
    await running;
    expect(exits).toEqual([1]);
    expect(stderr()).toBe('gateway-worker: uncaught exception: bad shard count\n');
    expect(logs.records()).toEqual([
      expect.objectContaining({ level: 'fatal', service: 'gateway-worker', msg: 'uncaught exception' }),
    ]);
  });
});
