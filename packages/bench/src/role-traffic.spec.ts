import { describe, expect, it } from '@jest/globals';
import type { RequestLogEntry } from '@inflow/discord-emulator';
import { drainTraffic, firstRoleChangeByMember, MEMBER_ROLE_ROUTE, MEMBER_ROUTE } from './role-traffic';

const GUILD = '1380000000000000101';
const USER_A = '1380000000000000201';
const USER_B = '1380000000000000202';
const ROLE = '1380000000000000301';

function entry(overrides: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    time: 0,
    method: 'PUT',
    route: MEMBER_ROLE_ROUTE,
    path: `/guilds/${GUILD}/members/${USER_A}/roles/${ROLE}`,
    status: 204,
    code: null,
    auditLogReason: null,
    rateLimitScope: null,
    ip: '127.0.0.1',
    ...overrides,
  };
}

describe('drainTraffic', () => {
  it('measures the pace between the first and the last accepted change and counts 429s by scope', () => {
    const traffic = drainTraffic([
      entry({ time: 1_000 }),
      entry({ time: 1_500, status: 429, rateLimitScope: 'user' }),
      entry({ time: 1_600, status: 429, rateLimitScope: 'global' }),
      entry({ time: 2_000, method: 'DELETE' }),
      entry({ time: 3_000 }),
      entry({ time: 3_100, method: 'GET', route: MEMBER_ROUTE }),
      entry({
        time: 3_200,
        method: 'GET',
        route: '/guilds/{guild_id}',
        status: 429,
        rateLimitScope: 'global',
      }),
      entry({ time: 3_300, status: 403, code: 50013 }),
    ]);
    expect(traffic.changes).toBe(3);
    expect(traffic.roleRequests).toBe(6);
    expect(traffic.spanSeconds).toBe(2);
    expect(traffic.changesPerSecond).toBe(1);
    expect(traffic.rateLimited).toEqual({ user: 1, global: 2, shared: 0 });
    expect(traffic.global429TimesMs).toEqual([1_600, 3_200]);
    expect(traffic.roleRoute429).toBe(1);
    expect(traffic.memberReads).toBe(1);
    expect(traffic.otherRequests).toBe(1);
    expect(traffic.failures).toBe(1);
  });

  it('reports no pace for fewer than two changes', () => {
    expect(drainTraffic([entry({ time: 5 })]).changesPerSecond).toBe(0);
    expect(drainTraffic([]).spanSeconds).toBe(0);
  });
});

describe('firstRoleChangeByMember', () => {
  it('keeps the earliest accepted grant per guild and member', () => {
    const first = firstRoleChangeByMember([
      entry({ time: 20 }),
      entry({ time: 10 }),
      entry({ time: 5, status: 429, rateLimitScope: 'user' }),
      entry({ time: 30, path: `/guilds/${GUILD}/members/${USER_B}/roles/${ROLE}` }),
      entry({ time: 1, method: 'DELETE', path: `/guilds/${GUILD}/members/${USER_B}/roles/${ROLE}` }),
    ]);
    expect(first).toEqual(
      new Map([
        [`${GUILD}/${USER_A}`, 10],
        [`${GUILD}/${USER_B}`, 30],
      ]),
    );
  });
});
