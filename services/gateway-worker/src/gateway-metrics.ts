import { Counter, Gauge, type Registry } from 'prom-client';

/** The gateway-worker's own metrics, registered on the process's registry. */
export interface GatewayMetrics {
  /** Dispatches received, by type (`GUILD_MEMBER_ADD`, …), handled or not. */
  events: Counter<'type'>;
  /** Dispatches whose handling failed after its retries, by type. */
  eventFailures: Counter<'type'>;
  /** 1 while the shard is READY (or RESUMED), else 0. */
  shardReady: Gauge<'shard'>;
  /** Connections lost and regained, by shard and how: `resume` (no event lost) or `identify` (new session). */
  reconnects: Counter<'shard' | 'kind'>;
  /** Gateway closes by shard and close code. */
  closes: Counter<'shard' | 'code'>;
  /** role-sync.member jobs handed on, by reason and path (`queue`, or `outbox` while Redis is down). */
  roleSyncJobs: Counter<'reason' | 'via'>;
  /** Guild health checks by outcome (`healthy`, `needs_action`, `unreachable`, `failed`). */
  healthChecks: Counter<'outcome'>;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'gateway_events_total',
      help: 'Gateway dispatches received, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    eventFailures: new Counter({
      name: 'gateway_event_failures_total',
      help: 'Gateway dispatches whose handling failed after retries, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    shardReady: new Gauge({
      name: 'gateway_shard_ready',
      help: '1 while the shard is connected and READY or RESUMED, else 0',
      labelNames: ['shard'] as const,
      registers,
    }),
    reconnects: new Counter({
      name: 'gateway_reconnects_total',
      help: 'Gateway connections regained after a loss, by shard and kind (resume or identify)',
      labelNames: ['shard', 'kind'] as const,
      registers,
    }),
    closes: new Counter({
      name: 'gateway_closes_total',
      help: 'Gateway connection closes, by shard and close code',
      labelNames: ['shard', 'code'] as const,
      registers,
    }),
    roleSyncJobs: new Counter({
      name: 'gateway_role_sync_jobs_total',
      help: 'role-sync.member jobs enqueued by the gateway worker, by reason and path (queue or outbox)',
      labelNames: ['reason', 'via'] as const,
      registers,
    }),
    healthChecks: new Counter({
      name: 'gateway_guild_health_checks_total',
      help: 'Guild health checks run after role and bot changes, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
}
