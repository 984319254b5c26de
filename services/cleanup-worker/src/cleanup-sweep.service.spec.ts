import { describe, expect, it } from '@jest/globals';
import type { JobRequest } from '@inflow/queue';
import type { MemberKey } from './drift-position';
import { ACCESS_ENDED_CURSOR, CleanupSweepService, type CleanupSweepOptions } from './cleanup-sweep.service';

const NOW = new Date('2026-11-24T10:00:00.000Z');
const GUILD = '1098765432109876543';
const OTHER_GUILD = '1098765432109876999';

function user(n: number): string {
  return String(412345678901234000n + BigInt(n));
}

interface DueRow {
  id: string;
  guildId: string;
  discordUserId: string;
}

/** In-memory stand-ins for the repositories and the producer; they record what the service asked. */
function fakes(rows: DueRow[], stale: Array<{ guildId: string; discordUserId: string }> = []) {
  const cursors = new Map<string, Date>();
  const windows: Array<{ from: Date; to: Date; afterId: string | null; limit: number }> = [];
  const staleQueries: Array<{ before: Date; limit: number; after: unknown }> = [];
  const batches: Array<Array<JobRequest<'role-sync.member'>>> = [];
  const failures = { addBulk: 0 };
  const position: { after: MemberKey | null } = { after: null };
  const sorted = [...rows].sort((a, b) => a.id.localeCompare(b.id));
  const staleSorted = [...stale].sort((a, b) =>
    `${a.guildId}:${a.discordUserId}`.localeCompare(`${b.guildId}:${b.discordUserId}`),
  );
  const deps: Pick<
    CleanupSweepOptions,
    'subscriptions' | 'sweepCursors' | 'discordMembers' | 'driftPosition' | 'roleSync'
  > = {
    subscriptions: {
      accessEndedPage: (from, to, after, limit) => {
        const afterId = after?.id ?? null;
        windows.push({ from, to, afterId, limit });
        const members = sorted.filter((row) => afterId === null || row.id > afterId).slice(0, limit);
        const last = members.at(-1);
        const next =
          last !== undefined && members.length === limit
            ? { cause: 'clock' as const, at: '', id: last.id }
            : null;
        return Promise.resolve({ members, next });
      },
    },
    sweepCursors: {
      get: (name) => Promise.resolve(cursors.get(name) ?? null),
      set: (name, at) => {
        cursors.set(name, at);
        return Promise.resolve();
      },
    },
    discordMembers: {
      staleMembers: (before, limit, after) => {
        staleQueries.push({ before, limit, after });
        const key = after === null ? null : `${after.guildId}:${after.discordUserId}`;
        return Promise.resolve(
          staleSorted.filter((m) => key === null || `${m.guildId}:${m.discordUserId}` > key).slice(0, limit),
        );
      },
    },
    driftPosition: {
      get: () => Promise.resolve(position.after),
      set: (after) => {
        position.after = after;
        return Promise.resolve();
      },
    },
    roleSync: {
      addBulk: (jobs) => {
        if (failures.addBulk > 0) {
          failures.addBulk -= 1;
          return Promise.reject(new Error('Redis unreachable'));
        }
        batches.push(jobs as Array<JobRequest<'role-sync.member'>>);
        return Promise.resolve(jobs.map((_, index) => String(index)));
      },
    },
  };
  return { deps, cursors, windows, staleQueries, batches, failures, position };
}

function service(deps: ReturnType<typeof fakes>['deps'], overrides: Partial<CleanupSweepOptions> = {}) {
  return new CleanupSweepService({
    ...deps,
    intervalMs: 300_000,
    commitMarginMs: 30_000,
    pageSize: 2,
    driftMaxAgeMs: 86_400_000,
    driftBatchLimit: 5,
    ...overrides,
  });
}

describe('CleanupSweepService.sweep', () => {
  it('pages through the window from where each page ended and enqueues one cleanup sync per member and page', async () => {
    const rows = [
      { id: 'a', guildId: GUILD, discordUserId: user(1) },
      { id: 'b', guildId: GUILD, discordUserId: user(1) },
      { id: 'c', guildId: OTHER_GUILD, discordUserId: user(1) },
      { id: 'd', guildId: GUILD, discordUserId: user(2) },
      { id: 'e', guildId: GUILD, discordUserId: user(3) },
    ];
    const f = fakes(rows);
    const result = await service(f.deps).sweep(NOW);

    const window = { from: new Date('2026-11-24T09:49:30.000Z'), to: new Date('2026-11-24T09:59:30.000Z') };
    expect(result).toEqual({ window, subscriptions: 5, members: 4, pages: 3 });
    expect(f.windows.map((w) => [w.afterId, w.limit])).toEqual([
      [null, 2],
      ['b', 2],
      ['d', 2],
    ]);
    expect(f.windows.every((w) => w.from.getTime() === window.from.getTime())).toBe(true);
    expect(f.batches).toEqual([
      [{ name: 'role-sync.member', payload: { guildId: GUILD, userId: user(1), reason: 'cleanup' } }],
      [
        { name: 'role-sync.member', payload: { guildId: OTHER_GUILD, userId: user(1), reason: 'cleanup' } },
        { name: 'role-sync.member', payload: { guildId: GUILD, userId: user(2), reason: 'cleanup' } },
      ],
      [{ name: 'role-sync.member', payload: { guildId: GUILD, userId: user(3), reason: 'cleanup' } }],
    ]);
    expect(f.cursors.get(ACCESS_ENDED_CURSOR)).toEqual(window.to);
  });

  it('starts the next window at the stored cursor', async () => {
    const f = fakes([]);
    f.cursors.set(ACCESS_ENDED_CURSOR, new Date('2026-11-24T09:58:00.000Z'));
    const result = await service(f.deps).sweep(NOW);
    expect(result.window?.from).toEqual(new Date('2026-11-24T09:58:00.000Z'));
    expect(result).toMatchObject({ subscriptions: 0, members: 0, pages: 1 });
    expect(f.cursors.get(ACCESS_ENDED_CURSOR)).toEqual(new Date('2026-11-24T09:59:30.000Z'));
  });

  it('leaves the cursor where it was when an enqueue fails, so the retry sweeps the same window', async () => {
    const rows = [1, 2, 3].map((n) => ({ id: `s${n}`, guildId: GUILD, discordUserId: user(n) }));
    const f = fakes(rows);
    const sweeper = service(f.deps);
    f.failures.addBulk = 1;
    await expect(sweeper.sweep(NOW)).rejects.toThrow('Redis unreachable');
    expect(f.cursors.has(ACCESS_ENDED_CURSOR)).toBe(false);

    const retry = await sweeper.sweep(new Date(NOW.getTime() + 10_000));
    expect(retry.window?.from).toEqual(new Date('2026-11-24T09:49:40.000Z'));
    expect(retry.members).toBe(3);
  });

  it('does nothing and keeps the cursor when the window is empty', async () => {
    const f = fakes([{ id: 'a', guildId: GUILD, discordUserId: user(1) }]);
    const ahead = new Date('2026-11-24T10:01:00.000Z');
    f.cursors.set(ACCESS_ENDED_CURSOR, ahead);
    expect(await service(f.deps).sweep(NOW)).toEqual({
      window: null,
      subscriptions: 0,
      members: 0,
      pages: 0,
    });
    expect(f.windows).toEqual([]);
    expect(f.cursors.get(ACCESS_ENDED_CURSOR)).toBe(ahead);
  });
});

describe('CleanupSweepService.drift', () => {
  const stale = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ guildId: GUILD, discordUserId: user(n) }));

  it('enqueues drift syncs for stale members in key order, at most the batch limit', async () => {
    const f = fakes([], stale);
    const result = await service(f.deps).drift(NOW);
    expect(result).toEqual({
      staleBefore: new Date('2026-11-23T10:00:00.000Z'),
      startedAfter: null,
      members: 5,
      pages: 3,
      stoppedAtLimit: true,
    });
    // The last page asks only for what the limit leaves.
    expect(f.staleQueries.map((q) => q.limit)).toEqual([2, 2, 1]);
    expect(f.staleQueries[1]?.after).toEqual({ guildId: GUILD, discordUserId: user(2) });
    expect(f.batches.flat().map((job) => job.payload)).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ guildId: GUILD, userId: user(n), reason: 'drift' })),
    );
    expect(f.position.after).toEqual({ guildId: GUILD, discordUserId: user(5) });
  });

  it('continues where the last run stopped, then starts over once it reached the end', async () => {
    // Members that stay stale (their sync skips without stamping them) must not starve the others.
    const f = fakes([], stale);
    const drifter = service(f.deps);
    await drifter.drift(NOW);
    f.batches.length = 0;

    const second = await drifter.drift(NOW);
    expect(second).toMatchObject({
      startedAfter: { guildId: GUILD, discordUserId: user(5) },
      members: 2,
      stoppedAtLimit: false,
    });
    expect(f.batches.flat().map((job) => job.payload.userId)).toEqual([user(6), user(7)]);
    expect(f.position.after).toBeNull();

    f.batches.length = 0;
    expect(await drifter.drift(NOW)).toMatchObject({ startedAfter: null, members: 5 });
    expect(f.batches.flat()[0]?.payload.userId).toBe(user(1));
  });

  it('stops at a short page when fewer members than the limit are stale', async () => {
    const f = fakes([], stale.slice(0, 3));
    const result = await service(f.deps, { driftBatchLimit: 100 }).drift(NOW);
    expect(result).toMatchObject({ members: 3, pages: 2, stoppedAtLimit: false });
    expect(f.position.after).toBeNull();
  });
});

describe('CleanupSweepService options', () => {
  it('rejects sizes that would loop forever or read nothing', () => {
    const { deps } = fakes([]);
    expect(() => service(deps, { pageSize: 0 })).toThrow('pageSize must be an integer >= 1, got 0');
    expect(() => service(deps, { driftBatchLimit: 1.5 })).toThrow(RangeError);
    expect(() => service(deps, { commitMarginMs: -1 })).toThrow(RangeError);
  });
});
