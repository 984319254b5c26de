import { describe, expect, it } from '@jest/globals';
import { accessEndsAt, type SubscriptionStatus } from '@inflow/contracts';
import { seededUuid, seedRows, SUBSCRIPTION_COLUMNS, unit, type SeedPlan } from './subscription-seed';

const NOW = new Date('2026-05-01T12:00:00Z');
const PLAN: SeedPlan = {
  merchantId: '5b0f3a52-8a1e-4d7c-9f5e-0c8a6b1d2e3f',
  offerIds: ['0e4c2f7a-1b3d-4e5f-8a9b-7c6d5e4f3a2b', '7d1c9e2b-3a4f-4b5c-8d6e-1f2a3b4c5d6e'],
  gracePeriodDays: 3,
  window: { from: new Date(NOW.getTime() - 600_000), to: new Date(NOW.getTime() - 30_000) },
  now: NOW,
  dueEvery: 10,
};

function parse(line: string): Record<(typeof SUBSCRIPTION_COLUMNS)[number], string | null> {
  const values = line.split('\t');
  expect(values).toHaveLength(SUBSCRIPTION_COLUMNS.length);
  return Object.fromEntries(
    SUBSCRIPTION_COLUMNS.map((column, i) => [column, values[i] === '\\N' ? null : values[i]!]),
  ) as Record<(typeof SUBSCRIPTION_COLUMNS)[number], string | null>;
}

const date = (value: string | null) => (value === null ? null : new Date(value));

describe('seedRows', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => seedRows(i, PLAN));

  it('makes every dueEvery-th row due, with its access end inside the window', () => {
    const due = rows.filter((row) => row.due);
    expect(due).toHaveLength(2_000);
    for (const row of due) {
      const ends = date(parse(row.subscription).access_ends_at)!.getTime();
      expect(ends).toBeGreaterThan(PLAN.window.from.getTime());
      expect(ends).toBeLessThanOrEqual(PLAN.window.to.getTime());
    }
  });

  it('keeps every other row out of the sweep: no access end and no ending event inside the window', () => {
    const statuses = new Set<string>();
    for (const row of rows.filter((r) => !r.due)) {
      const s = parse(row.subscription);
      statuses.add(s.status!);
      const ends = date(s.access_ends_at);
      if (ends !== null) {
        expect(
          ends.getTime() <= PLAN.window.from.getTime() || ends.getTime() > PLAN.window.to.getTime(),
        ).toBe(true);
      }
      expect(date(s.updated_at)!.getTime()).toBeLessThan(PLAN.window.from.getTime());
    }
    expect([...statuses].sort()).toEqual(['ACTIVE', 'CANCELED', 'EXPIRED', 'PAST_DUE', 'TRIALING']);
  });

  it('stores the access end the product derives from the same state (the access rule)', () => {
    for (const row of rows.slice(0, 2_000)) {
      const s = parse(row.subscription);
      const derived = accessEndsAt(
        {
          status: s.status as SubscriptionStatus,
          currentPeriodEnd: date(s.current_period_end),
          cancelAtPeriodEnd: s.cancel_at_period_end === 't',
          pastDueSince: date(s.past_due_since),
        },
        { gracePeriodDays: PLAN.gracePeriodDays, discordRoleId: null },
      );
      expect(derived?.toISOString() ?? null).toBe(s.access_ends_at);
    }
  });

  it('links each customer to a distinct Discord user and is reproducible', () => {
    const users = rows.map((row) => row.link.split('\t')[2]!);
    expect(new Set(users).size).toBe(rows.length);
    for (const user of users.slice(0, 100)) expect(user).toMatch(/^[1-9][0-9]{16,19}$/);
    expect(seedRows(123, PLAN)).toEqual(rows[123]);
    expect(seededUuid('customer', 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(seededUuid('customer', 1)).not.toBe(seededUuid('customer', 2));
  });
});

describe('unit', () => {
  it('spreads over [0, 1)', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => unit(i, 3));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
