import { type IncomingMessage } from 'node:http';
import { type Registry } from 'prom-client';
import { errorSummary } from '../error-summary';
import { type HealthResponse, send, sendJson, sendProblem } from './http-response';

/** Resolves when one dependency answers; rejects (or never settles) when it does not. */
export type ReadinessCheck = () => Promise<void>;

/** A node request handler; express 5 accepts it as a route handler too. */
export type HealthHandler = (req: IncomingMessage, res: HealthResponse) => Promise<void>;

export interface HealthHandlers {
  /** Liveness: 200 while the process runs, whatever its dependencies do, so a Redis outage restarts nothing. */
  healthz: HealthHandler;
  /** Readiness: 200 when every check passes in time, else 503 with each check's short error. */
  readyz: HealthHandler;
  /** The registry in Prometheus text format. */
  metrics: HealthHandler;
}

export interface CreateHealthHandlersOptions {
  /** Readiness checks by name, for example `postgres` and `redis`. They run concurrently. */
  checks: Record<string, ReadinessCheck>;
  /** The registry `/metrics` serves. */
  registry: Registry;
  /** Once true, `/readyz` answers 503 without running checks, so traffic drains before connections close. */
  isShuttingDown: () => boolean;
  /** How long one check may take before it counts as failed. Default 1000 ms. */
  timeoutMs?: number;
}

interface CheckResult {
  ok: boolean;
  detail: string;
}

export function createHealthHandlers(options: CreateHealthHandlersOptions): HealthHandlers {
  const { checks, registry, isShuttingDown, timeoutMs = 1_000 } = options;

  const healthz: HealthHandler = (_req, res) => {
    sendJson(res, 200, { status: 'ok' });
    return Promise.resolve();
  };

  const readyz: HealthHandler = async (_req, res) => {
    if (isShuttingDown()) {
      sendJson(res, 503, { status: 'not_ready', reason: 'shutting down', checks: {} });
      return;
    }
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    // Shutdown may have begun while the checks ran.
    const ready = results.every(([, result]) => result.ok) && !isShuttingDown();
    const body = Object.fromEntries(results.map(([name, result]) => [name, result.detail]));
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks: body });
  };

  const metrics: HealthHandler = async (_req, res) => {
    try {
      send(res, 200, registry.contentType, await registry.metrics());
    } catch (error) {
      sendProblem(res, 500, 'Internal Server Error', `metrics collection failed: ${errorSummary(error)}`);
    }
  };

  return { healthz, readyz, metrics };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  // Promise.resolve().then turns a check that throws synchronously into a rejection.
  const checked = Promise.resolve()
    .then(check)
    .then(
      (): CheckResult => ({ ok: true, detail: 'ok' }),
      (error: unknown): CheckResult => ({ ok: false, detail: errorSummary(error) }),
    );
  try {
    return await Promise.race([checked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
