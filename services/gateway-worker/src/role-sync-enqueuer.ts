import type { JobPayload } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import { parseJobPayload, type Producer } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { GatewayMetrics } from './gateway-metrics';

/** One member to reconcile: the `role-sync.member` payload (ids and a reason, nothing else). */
export type RoleSyncRequest = JobPayload<'role-sync.member'>;

/** Where the gateway's role-sync requests go. Resolves once they are stored durably (queue or outbox). */
export interface RoleSyncJobSink {
  enqueue(requests: readonly RoleSyncRequest[]): Promise<void>;
}

const JOB_NAME = 'role-sync.member';

/**
 * Enqueues `role-sync.member` jobs on the role-sync queue. The producer's connection fails fast, so
 * while Redis is down the same jobs are written to the Postgres outbox instead and the api's outbox
 * relay publishes them once Redis is back: a gateway event is never lost to a Redis outage, and
 * nothing blocks the gateway's event loop waiting for Redis. A job published twice (it reached Redis
 * but the reply did not) is harmless: the catalog's job id collapses it and the sync is idempotent.
 */
export class RoleSyncEnqueuer implements RoleSyncJobSink {
  constructor(
    private readonly producer: Pick<Producer<'role-sync'>, 'addBulk'>,
    private readonly outbox: Pick<Repositories['outbox'], 'add'>,
    private readonly logger: Logger,
    private readonly metrics: Pick<GatewayMetrics, 'roleSyncJobs'>,
  ) {}

  async enqueue(requests: readonly RoleSyncRequest[]): Promise<void> {
    if (requests.length === 0) return;
    // Validated before either path, so that an invalid payload fails here (a bug) and never becomes
    // an outbox row the relay would have to dead-letter.
    const payloads = requests.map((request) => parseJobPayload(JOB_NAME, request));
    let via: 'queue' | 'outbox' = 'queue';
    try {
      await this.producer.addBulk(payloads.map((payload) => ({ name: JOB_NAME, payload })));
    } catch (error) {
      this.logger.warn(
        { err: error, jobs: payloads.length },
        'role-sync jobs could not be queued; writing them to the outbox for the relay',
      );
      await this.outbox.add(payloads.map((payload) => ({ jobName: JOB_NAME, payload })));
      via = 'outbox';
    }
    for (const payload of payloads) this.metrics.roleSyncJobs.inc({ reason: payload.reason, via });
  }
}
