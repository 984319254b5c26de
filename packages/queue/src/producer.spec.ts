import { JOB_CATALOG, type JobName, type JobPayload } from '@inflow/contracts';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_JOB_RETENTION, jobOptionsFor } from './producer';

const GUILD_ID = '1098765432109876543';
const USER_ID = '412345678901234567';
const EVENT_ID = '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e';

const SAMPLE_PAYLOADS: { [Name in JobName]: JobPayload<Name> } = {
  'role-sync.member': { guildId: GUILD_ID, userId: USER_ID, reason: 'event' },
  'notification.send': { inboundEventId: EVENT_ID, guildId: GUILD_ID },
  'notification.alert': { alertId: '42' },
  'cleanup.sweep': {},
  'cleanup.drift-sweep': {},
};

describe('jobOptionsFor', () => {
  it.each(Object.keys(JOB_CATALOG) as JobName[])(
    'gives %s the attempts and backoff of its catalog entry',
    (name) => {
      const options = jobOptionsFor(name, SAMPLE_PAYLOADS[name], undefined, DEFAULT_JOB_RETENTION);
      expect(options.attempts).toBe(JOB_CATALOG[name].retry.attempts);
      expect(options.backoff).toEqual(JOB_CATALOG[name].retry.backoff);
      expect(options.removeOnComplete).toEqual({ age: 3_600, count: 1_000 });
      expect(options.removeOnFail).toEqual({ age: 604_800, count: 10_000 });
      expect(options.delay).toBeUndefined();
    },
  );

  it('collapses a target with deduplication keyed by the catalog id, keeping the last add made while active', () => {
    const options = jobOptionsFor(
      'role-sync.member',
      SAMPLE_PAYLOADS['role-sync.member'],
      undefined,
      DEFAULT_JOB_RETENTION,
    );
    expect(options.deduplication).toEqual({ id: `role-sync:${GUILD_ID}:${USER_ID}`, keepLastIfActive: true });
    expect(options.jobId).toBeUndefined();

    const notify = jobOptionsFor(
      'notification.send',
      SAMPLE_PAYLOADS['notification.send'],
      undefined,
      DEFAULT_JOB_RETENTION,
    );
    expect(notify.deduplication).toEqual({ id: `notify:${EVENT_ID}:${GUILD_ID}`, keepLastIfActive: true });
  });

  it('does not collapse jobs whose catalog entry has no id', () => {
    expect(
      jobOptionsFor('cleanup.sweep', {}, undefined, DEFAULT_JOB_RETENTION).deduplication,
    ).toBeUndefined();
  });

  it('delays on request and rejects impossible delays', () => {
    expect(jobOptionsFor('cleanup.sweep', {}, 1_500, DEFAULT_JOB_RETENTION).delay).toBe(1_500);
    expect(jobOptionsFor('cleanup.sweep', {}, 0, DEFAULT_JOB_RETENTION).delay).toBeUndefined();
    expect(() => jobOptionsFor('cleanup.sweep', {}, -1, DEFAULT_JOB_RETENTION)).toThrow(RangeError);
    expect(() => jobOptionsFor('cleanup.sweep', {}, Number.NaN, DEFAULT_JOB_RETENTION)).toThrow(RangeError);
  });
});
