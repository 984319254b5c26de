import { describe, expect, it } from '@jest/globals';
import { InvalidJobPayloadError, isJobName, isJobNameOf, parseJobPayload } from './job-catalog-access';

const GUILD_ID = '1098765432109876543';
const USER_ID = '412345678901234567';

describe('isJobName / isJobNameOf', () => {
  it('knows the catalog and the queue of each job', () => {
    expect(isJobName('role-sync.member')).toBe(true);
    expect(isJobName('role-sync.everyone')).toBe(false);
    expect(isJobName('toString')).toBe(false);
    expect(isJobNameOf('role-sync', 'role-sync.member')).toBe(true);
    expect(isJobNameOf('notifications', 'role-sync.member')).toBe(false);
  });
});

describe('parseJobPayload', () => {
  it('returns the parsed payload', () => {
    expect(
      parseJobPayload('role-sync.member', { guildId: GUILD_ID, userId: USER_ID, reason: 'link' }),
    ).toEqual({
      guildId: GUILD_ID,
      userId: USER_ID,
      reason: 'link',
    });
  });

  it('lists every problem by path, without the offending values', () => {
    const attempt = () =>
      parseJobPayload('role-sync.member', {
        guildId: '12',
        userId: USER_ID,
        reason: 'whim',
        email: 'a@example.com',
      });
    expect(attempt).toThrow(InvalidJobPayloadError);
    try {
      attempt();
    } catch (error) {
      const invalid = error as InvalidJobPayloadError;
      expect(invalid.jobName).toBe('role-sync.member');
      expect(invalid.problems).toHaveLength(3);
      expect(invalid.problems[0]).toMatch(/^guildId: must be a Discord id/);
      expect(invalid.problems[1]).toMatch(/^reason: /);
      expect(invalid.message).not.toContain('a@example.com');
    }
  });
});
