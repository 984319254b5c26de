import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../logging/logger';
import { captureLogs } from '../test/log-capture';
import { createLifecycle } from './lifecycle';

function setup(timeoutMs = 1_000) {
  const logs = captureLogs();
  const exits: number[] = [];
  const signals = new EventEmitter();
  const lifecycle = createLifecycle({
    logger: createLogger({ service: 'role-sync-worker', level: 'info', destination: logs.destination }),
    timeoutMs,
    exit: (code) => void exits.push(code),
    signals,
  });
  return { lifecycle, logs, exits, signals };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('createLifecycle', () => {
  it('closes in reverse order of registration, logs each closer with its duration and exits 0', async () => {
    const { lifecycle, logs, exits } = setup();
    const order: string[] = [];
    lifecycle.onShutdown('redis', () => void order.push('redis'));
    lifecycle.onShutdown('worker', async () => {
      await delay(20);
      order.push('worker');
    });
    lifecycle.onShutdown('health-server', () => void order.push('health-server'));
    expect(lifecycle.isShuttingDown()).toBe(false);

    const code = await lifecycle.shutdown('test');

    expect(order).toEqual(['health-server', 'worker', 'redis']);
    expect(code).toBe(0);
    expect(exits).toEqual([0]);
    expect(lifecycle.isShuttingDown()).toBe(true);
    const closed = logs.records().filter((record) => record.msg === 'closed');
    expect(closed.map((record) => record.closer)).toEqual(['health-server', 'worker', 'redis']);
    expect(closed[1]?.durationMs).toEqual(expect.any(Number));
    expect(Number(closed[1]?.durationMs)).toBeGreaterThanOrEqual(15);
  });

  it('keeps closing after one closer fails, logs the failure and exits 1', async () => {
    const { lifecycle, logs, exits } = setup();
    const closed: string[] = [];
    lifecycle.onShutdown('postgres', () => void closed.push('postgres'));
    lifecycle.onShutdown('worker', () => Promise.reject(new Error('worker close failed')));
    lifecycle.onShutdown('health-server', () => {
      throw new Error('synchronous failure');
    });

    expect(await lifecycle.shutdown('test')).toBe(1);
    expect(closed).toEqual(['postgres']);
    expect(exits).toEqual([1]);
    const failures = logs.records().filter((record) => record.msg === 'close failed');
    expect(failures).toEqual([
      expect.objectContaining({
        level: 'error',
        closer: 'health-server',
        err: expect.objectContaining({ message: 'synchronous failure' }),
      }),
      expect.objectContaining({
        level: 'error',
        closer: 'worker',
        err: expect.objectContaining({ message: 'worker close failed' }),
      }),
    ]);
  });

  it('returns the same promise on every call and closes everything once', async () => {
    const { lifecycle, exits } = setup();
    let closes = 0;
    lifecycle.onShutdown('worker', async () => {
      closes += 1;
      await delay(10);
    });
    const first = lifecycle.shutdown('SIGTERM');
    const second = lifecycle.shutdown('SIGINT');
    expect(second).toBe(first);
    await first;
    expect(await lifecycle.shutdown('again')).toBe(0);
    expect(closes).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 at the timeout and names the closer still running and those not started', async () => {
    const { lifecycle, logs, exits } = setup(100);
    lifecycle.onShutdown('postgres', () => Promise.resolve());
    lifecycle.onShutdown('worker', () => new Promise<void>(() => undefined));
    lifecycle.onShutdown('health-server', () => Promise.resolve());
    const started = Date.now();

    expect(await lifecycle.shutdown('SIGTERM')).toBe(1);

    expect(Date.now() - started).toBeLessThan(500);
    expect(exits).toEqual([1]);
    expect(logs.records().find((record) => record.msg === 'shutdown timed out')).toMatchObject({
      level: 'error',
      timeoutMs: 100,
      running: ['worker'],
      notStarted: ['postgres'],
    });
  });

  it('starts a shutdown on SIGTERM and folds a second signal into it', async () => {
    const { lifecycle, exits, signals, logs } = setup();
    let closes = 0;
    lifecycle.onShutdown('worker', () => delay(10).then(() => void (closes += 1)));
    signals.emit('SIGTERM', 'SIGTERM');
    expect(lifecycle.isShuttingDown()).toBe(true);
    signals.emit('SIGINT', 'SIGINT');
    await lifecycle.shutdown('test');
    expect(closes).toBe(1);
    expect(exits).toEqual([0]);
    expect(logs.records().find((record) => record.msg === 'shutting down')).toMatchObject({
      reason: 'SIGTERM',
    });
    expect(logs.records().find((record) => record.msg === 'shutdown already in progress')).toMatchObject({
      reason: 'SIGINT',
    });
  });

  it('closes a closer registered while shutdown runs, next', async () => {
    const { lifecycle } = setup();
    const order: string[] = [];
    lifecycle.onShutdown('redis', () => void order.push('redis'));
    lifecycle.onShutdown('worker', () => {
      order.push('worker');
      lifecycle.onShutdown('late-connection', () => void order.push('late-connection'));
    });
    await lifecycle.shutdown('test');
    expect(order).toEqual(['worker', 'late-connection', 'redis']);
  });

  it('exits with a higher exit code asked for by any shutdown call', async () => {
    const { lifecycle, exits } = setup();
    lifecycle.onShutdown('worker', () => delay(10));
    const first = lifecycle.shutdown('SIGTERM');
    void lifecycle.shutdown('uncaught exception', 1);
    expect(await first).toBe(1);
    expect(exits).toEqual([1]);
  });
});
