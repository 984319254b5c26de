import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { httpGet, runTypeScript, type TypeScriptProcess } from '../test/typescript-process';

const FIXTURE = join(__dirname, '../test/graceful-worker.fixture.ts');

const started: TypeScriptProcess[] = [];

function startWorker(env: NodeJS.ProcessEnv): TypeScriptProcess {
  const worker = runTypeScript(FIXTURE, { LOG_LEVEL: 'info', ...env });
  started.push(worker);
  return worker;
}

async function listeningPort(worker: TypeScriptProcess): Promise<number> {
  const record = await worker.waitForLog((line) => line.msg === 'listening');
  return Number(record.port);
}

afterEach(() => {
  for (const worker of started.splice(0)) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
});

describe('graceful shutdown of a real process', () => {
  it('turns /readyz 503 on SIGTERM, closes the slow closer and exits 0 within the timeout', async () => {
    const worker = startWorker({
      FIXTURE_CLOSER: 'slow',
      FIXTURE_SLOW_CLOSE_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    const port = await listeningPort(worker);
    expect(await httpGet(port, '/readyz')).toEqual({
      status: 200,
      body: JSON.stringify({ status: 'ready', checks: { dependency: 'ok' } }),
    });

    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    await worker.waitForLog((line) => line.msg === 'shutting down');
    // From here until the port closes, every answer must be 503: traffic drains while work finishes.
    const seen = new Set<number | 'refused'>();
    while (worker.child.exitCode === null && !seen.has('refused')) {
      const response = await httpGet(port, '/readyz');
      seen.add(response === 'refused' ? response : response.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const code = await worker.exited;
    const shutdownMs = Date.now() - signalled;

    expect(seen.has(503)).toBe(true);
    expect(seen.has(200)).toBe(false);
    expect(code).toBe(0);
    expect(shutdownMs).toBeGreaterThanOrEqual(1_400);
    expect(shutdownMs).toBeLessThan(5_000);
    const closed = worker.records().filter((line) => line.msg === 'closed');
    expect(closed.map((line) => line.closer)).toEqual(['work', 'health-server']);
    expect(worker.records()).toContainEqual(expect.objectContaining({ msg: 'exiting', exitCode: 0 }));
    expect(worker.stderr()).toBe('');
  });

  it('exits 1 at the timeout when a closer hangs, naming it', async () => {
    const worker = startWorker({ FIXTURE_CLOSER: 'hang', SHUTDOWN_TIMEOUT_MS: '1000' });
    await listeningPort(worker);

    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    const shutdownMs = Date.now() - signalled;

    expect(code).toBe(1);
    expect(shutdownMs).toBeGreaterThanOrEqual(950);
    expect(shutdownMs).toBeLessThan(3_000);
    expect(worker.records()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'shutdown timed out',
        running: ['work'],
        notStarted: ['health-server'],
      }),
    );
  });

  it('refuses to start with a bad environment: one stderr line, exit 78', async () => {
    const worker = startWorker({ FIXTURE_CLOSER: 'sometimes', SHUTDOWN_TIMEOUT_MS: 'soon' });
    expect(await worker.exited).toBe(78);
    expect(worker.stderr()).toBe(
      'fixture-worker: invalid configuration: SHUTDOWN_TIMEOUT_MS must be an integer of milliseconds ' +
        'between 1 and 600000; FIXTURE_CLOSER: Invalid option: expected one of "slow"|"hang"\n',
    );
    expect(worker.stdout()).toBe('');
  });
});
