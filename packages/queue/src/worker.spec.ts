import { describe, expect, it } from '@jest/globals';
import { UnrecoverableError } from 'bullmq';
import { InvalidJobPayloadError } from './job-catalog-access';
import { PermanentJobError, RateLimitedJobError } from './job-errors';
import { classifyFailure, type JobHandlers } from './worker';

describe('classifyFailure', () => {
  it('retries ordinary errors until the last attempt', () => {
    expect(classifyFailure(new Error('503 from Discord'), 1, 8)).toBe('retry');
    expect(classifyFailure(new Error('503 from Discord'), 7, 8)).toBe('retry');
    expect(classifyFailure(new Error('503 from Discord'), 8, 8)).toBe('exhausted');
  });

  it('never retries permanent failures or invalid payloads', () => {
    expect(classifyFailure(new PermanentJobError('unknown role'), 1, 8)).toBe('permanent');
    expect(classifyFailure(new UnrecoverableError('raw BullMQ error'), 1, 8)).toBe('permanent');
    expect(classifyFailure(new InvalidJobPayloadError('role-sync.member', ['guildId: required']), 1, 8)).toBe(
      'invalid-payload',
    );
  });

  it('does not count a rate limit as a failed attempt, even on the last one', () => {
    expect(classifyFailure(new RateLimitedJobError(1_000), 8, 8)).toBe('rate-limited');
  });
});

describe('RateLimitedJobError', () => {
  it('rejects a wait that is not a finite non-negative number', () => {
    expect(new RateLimitedJobError(0).retryAfterMs).toBe(0);
    expect(() => new RateLimitedJobError(-5)).toThrow(RangeError);
    expect(() => new RateLimitedJobError(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('JobHandlers', () => {
  it('needs exactly one handler per job of the queue (checked by the compiler)', () => {
    const complete: JobHandlers<'role-sync'> = {
      'role-sync.member': (payload, context) => {
        // The payload is the parsed catalog type: a typo here would not compile.
        expect(payload.guildId).toMatch(/^\d+$/);
        expect(context.name).toBe('role-sync.member');
        return Promise.resolve();
      },
    };
    // @ts-expect-error the notifications queue's job 'notification.send' has no handler, which must not compile
    const missing: JobHandlers<'notifications'> = {};
    const foreign: JobHandlers<'cleanup'> = {
      'cleanup.sweep': () => Promise.resolve({ status: 'skipped', reason: 'nothing expired' }),
      // @ts-expect-error a handler for another queue's job is rejected as well
      'role-sync.member': () => Promise.resolve(),
    };
    expect(Object.keys(complete)).toEqual(['role-sync.member']);
    expect(Object.keys(missing)).toEqual([]);
    expect(Object.keys(foreign)).toHaveLength(2);
  });
});
