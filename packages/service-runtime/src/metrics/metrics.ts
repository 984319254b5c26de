import { collectDefaultMetrics, Registry } from 'prom-client';

export interface CreateMetricsOptions {
  /** The service name, added as the `service` label to every metric of this registry. */
  service: string;
}

export interface Metrics {
  /** The process's own registry; services register their metrics here with `registers: [registry]`. */
  registry: Registry;
}

/**
 * A registry with prom-client's default process and Node.js metrics. prom-client's global registry is
 * not used, so tests and several services in one process never collide on metric names.
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  return { registry };
}
