import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { Gauge, Registry } from 'prom-client';
import { createHealthHandlers, type HealthHandler, type ReadinessCheck } from './health-handlers';
import { type HealthResponse } from './http-response';

/** Calls a handler with a response that records what it was told. */
async function call(handler: HealthHandler) {
  const res = { statusCode: 0, headers: new Map<string, string>(), body: '' };
  const response: HealthResponse = {
    get statusCode() {
      return res.statusCode;
    },
    set statusCode(code: number) {
      res.statusCode = code;
    },
    setHeader: (name, value) => res.headers.set(name, value),
    end: (body) => (res.body = body ?? ''),
  };
  await handler(new IncomingMessage(new Socket()), response);
  return { status: res.statusCode, contentType: res.headers.get('content-type'), body: res.body };
}

const ok: ReadinessCheck = () => Promise.resolve();
const never: ReadinessCheck = () => new Promise(() => undefined);

function handlers(checks: Record<string, ReadinessCheck>, shuttingDown = () => false, timeoutMs?: number) {
  return createHealthHandlers({
    checks,
    registry: new Registry(),
    isShuttingDown: shuttingDown,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

describe('createHealthHandlers', () => {
  it('answers /healthz 200 even when every dependency is down', async () => {
    const { healthz } = handlers({ redis: () => Promise.reject(new Error('down')) });
    expect(await call(healthz)).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: '{"status":"ok"}',
    });
  });

  it('answers /readyz 200 when every check passes', async () => {
    const { readyz } = handlers({ postgres: ok, redis: ok });
    const response = await call(readyz);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('answers /readyz 503 with a short error for each failing check', async () => {
    const { readyz } = handlers({
      postgres: ok,
      redis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap')),
      discord: () => {
        throw new TypeError('fetch failed');
      },
    });
    const response = await call(readyz);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'not_ready',
      checks: { postgres: 'ok', redis: 'connect ECONNREFUSED 127.0.0.1:6379', discord: 'fetch failed' },
    });
  });

  it('bounds each check by the default one-second timeout and runs them concurrently', async () => {
    const { readyz } = handlers({ postgres: never, redis: never, queue: ok });
    const started = Date.now();
    const response = await call(readyz);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'not_ready',
      checks: { postgres: 'timed out after 1000 ms', redis: 'timed out after 1000 ms', queue: 'ok' },
    });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1_400);
  });

  it('answers /readyz 503 without running checks once shutdown began', async () => {
    let runs = 0;
    const { readyz } = handlers(
      {
        postgres: () => {
          runs += 1;
          return Promise.resolve();
        },
      },
      () => true,
    );
    const response = await call(readyz);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ status: 'not_ready', reason: 'shutting down', checks: {} });
    expect(runs).toBe(0);
  });

  it('answers /readyz 503 when shutdown began while the checks ran', async () => {
    let shuttingDown = false;
    const { readyz } = handlers(
      { redis: () => Promise.resolve().then(() => void (shuttingDown = true)) },
      () => shuttingDown,
    );
    expect((await call(readyz)).status).toBe(503);
  });

  it('serves the registry in Prometheus text format', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'api' });
    new Gauge({ name: 'inflow_outbox_backlog', help: 'Unpublished outbox rows.', registers: [registry] }).set(
      7,
    );
    const { metrics } = createHealthHandlers({ checks: {}, registry, isShuttingDown: () => false });
    const response = await call(metrics);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain(
      '# TYPE inflow_outbox_backlog gauge\ninflow_outbox_backlog{service="api"} 7',
    );
  });
});
