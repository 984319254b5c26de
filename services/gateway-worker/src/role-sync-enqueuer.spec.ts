import { beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import type { NewOutboxRow } from '@inflow/db';
import { InvalidJobPayloadError, type JobRequestOf } from '@inflow/queue';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics';
import { RoleSyncEnqueuer, type RoleSyncRequest } from './role-sync-enqueuer';
import { capturingLogger, GUILD_ID, LINKED_USER_ID, OTHER_LINKED_USER_ID } from './test/fakes';

class FakeProducer {
  readonly added: Array<JobRequestOf<'role-sync'>> = [];
  failure: Error | undefined;

  addBulk(jobs: ReadonlyArray<JobRequestOf<'role-sync'>>): Promise<string[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.added.push(...jobs);
    return Promise.resolve(jobs.map((_, index) => String(index + 1)));
  }
}

class FakeOutbox {
  readonly rows: NewOutboxRow[] = [];

  add(rows: readonly NewOutboxRow[]): Promise<void> {
    this.rows.push(...rows);
    return Promise.resolve();
  }
}

const REQUESTS: RoleSyncRequest[] = [
  { guildId: GUILD_ID, userId: LINKED_USER_ID, reason: 'member-join' },
  { guildId: GUILD_ID, userId: OTHER_LINKED_USER_ID, reason: 'drift' },
];

let producer: FakeProducer;
let outbox: FakeOutbox;
let metrics: GatewayMetrics;
let log: ReturnType<typeof capturingLogger>;
let enqueuer: RoleSyncEnqueuer;

async function jobsCounted(labels: { reason: string; via: string }): Promise<number> {
  const { values } = await metrics.roleSyncJobs.get();
  return (
    values.find((entry) => entry.labels.reason === labels.reason && entry.labels.via === labels.via)?.value ??
    0
  );
}

beforeEach(() => {
  producer = new FakeProducer();
  outbox = new FakeOutbox();
  metrics = createGatewayMetrics(new Registry());
  log = capturingLogger();
  enqueuer = new RoleSyncEnqueuer(producer, outbox, log.logger, metrics);
});

describe('RoleSyncEnqueuer', () => {
  it('queues role-sync.member jobs on the role-sync queue', async () => {
    await enqueuer.enqueue(REQUESTS);
    expect(producer.added).toEqual(REQUESTS.map((payload) => ({ name: 'role-sync.member', payload })));
    expect(outbox.rows).toEqual([]);
    expect(await jobsCounted({ reason: 'member-join', via: 'queue' })).toBe(1);
  });

  it('writes the same jobs to the outbox when Redis refuses them, and says so', async () => {
    producer.failure = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    await enqueuer.enqueue(REQUESTS);
    expect(outbox.rows).toEqual(REQUESTS.map((payload) => ({ jobName: 'role-sync.member', payload })));
    expect(await jobsCounted({ reason: 'drift', via: 'outbox' })).toBe(1);
    expect(await jobsCounted({ reason: 'drift', via: 'queue' })).toBe(0);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', jobs: 2 }));
  });

  it('refuses an invalid payload before either path', async () => {
    producer.failure = new Error('redis down');
    await expect(
      enqueuer.enqueue([{ guildId: 'not-a-snowflake', userId: LINKED_USER_ID, reason: 'drift' }]),
    ).rejects.toThrow(InvalidJobPayloadError);
    expect(outbox.rows).toEqual([]);
  });

  it('does nothing for an empty list', async () => {
    producer.failure = new Error('redis down');
    await enqueuer.enqueue([]);
    expect(outbox.rows).toEqual([]);
  });
});
