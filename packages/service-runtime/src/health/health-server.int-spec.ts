import { afterEach, describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { httpGet } from '../test/typescript-process';
import { createHealthHandlers } from './health-handlers';
import { type HealthServer, startHealthServer } from './health-server';

const servers: HealthServer[] = [];

async function start(): Promise<HealthServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'notification-worker' });
  new Counter({
    name: 'inflow_notifications_total',
    help: 'Notifications posted.',
    registers: [registry],
  }).inc(2);
  const handlers = createHealthHandlers({
    checks: { redis: () => Promise.resolve() },
    registry,
    isShuttingDown: () => false,
  });
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', handlers });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('startHealthServer', () => {
  it('serves /healthz, /readyz and /metrics on the port it reports', async () => {
    const { port } = await start();
    expect(port).toBeGreaterThan(0);
    expect(await httpGet(port, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(await httpGet(port, '/readyz?verbose=1')).toEqual({
      status: 200,
      body: '{"status":"ready","checks":{"redis":"ok"}}',
    });
    expect(await httpGet(port, '/metrics')).toEqual({
      status: 200,
      body: expect.stringContaining('inflow_notifications_total{service="notification-worker"} 2\n'),
    });
  });

  it('answers unknown paths with a 404 problem document', async () => {
    const { port } = await start();
    const response = await httpGet(port, '/subscription/offer');
    expect(response).not.toBe('refused');
    if (response === 'refused') return;
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for /subscription/offer; this server answers /healthz, /readyz and /metrics.',
    });
  });

  it('answers other methods with 405 and an Allow header', async () => {
    const { port } = await start();
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    await response.body?.cancel();
  });

  it('closes once however often close is called, and stops listening', async () => {
    const server = await start();
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    expect(await httpGet(server.port, '/healthz')).toBe('refused');
  });
});
