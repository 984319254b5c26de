import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SUBSCRIPTION_STATUSES } from '../subscription-status';
import { accessEndsAt, desiredRoles, hasAccess, roleDiff, type AccessSubscription } from './access-rule';

const DAY = 86_400_000;
const NOW = new Date('2026-11-24T10:00:00Z');
const ROLE_A = '112233445566778899';
const ROLE_B = '998877665544332211';

const instant = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(ms));
const subscriptionArb: fc.Arbitrary<AccessSubscription> = fc.record({
  status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
  currentPeriodEnd: fc.option(instant, { nil: null }),
  cancelAtPeriodEnd: fc.boolean(),
  pastDueSince: fc.option(instant, { nil: null }),
});
const offerArb = fc.record({
  gracePeriodDays: fc.integer({ min: 0, max: 60 }),
  discordRoleId: fc.constantFrom(ROLE_A, ROLE_B),
});

function sub(partial: Partial<AccessSubscription>): AccessSubscription {
  return {
    status: 'ACTIVE',
    currentPeriodEnd: null,
    cancelAtPeriodEnd: false,
    pastDueSince: null,
    ...partial,
  };
}

describe('hasAccess', () => {
  it('grants while ACTIVE or TRIALING, whatever the dates', () => {
    fc.assert(
      fc.property(subscriptionArb, offerArb, instant, (s, offer, now) => {
        if (s.status === 'ACTIVE' || s.status === 'TRIALING') expect(hasAccess(s, offer, now)).toBe(true);
      }),
    );
  });

  it('never grants once EXPIRED', () => {
    fc.assert(
      fc.property(subscriptionArb, offerArb, instant, (s, offer, now) => {
        expect(hasAccess({ ...s, status: 'EXPIRED' }, offer, now)).toBe(false);
      }),
    );
  });

  it('grants PAST_DUE exactly while the grace period runs', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: -5 * DAY, max: 70 * DAY }),
        (since, grace, elapsed) => {
          const now = new Date(since.getTime() + elapsed);
          const granted = hasAccess(
            sub({ status: 'PAST_DUE', pastDueSince: since }),
            { gracePeriodDays: grace, discordRoleId: ROLE_A },
            now,
          );
          expect(granted).toBe(grace > 0 && elapsed < grace * DAY);
        },
      ),
    );
  });

  it('with no grace period, removes access the moment the subscription is past due', () => {
    expect(
      hasAccess(
        sub({ status: 'PAST_DUE', pastDueSince: NOW }),
        { gracePeriodDays: 0, discordRoleId: ROLE_A },
        NOW,
      ),
    ).toBe(false);
  });

  it('keeps a past-due subscription of unknown start within its grace: revocation needs evidence', () => {
    expect(
      hasAccess(
        sub({ status: 'PAST_DUE', pastDueSince: null }),
        { gracePeriodDays: 3, discordRoleId: ROLE_A },
        NOW,
      ),
    ).toBe(true);
  });

  it('grants CANCELED only with cancel-at-period-end and before the period ends', () => {
    fc.assert(
      fc.property(
        instant,
        fc.boolean(),
        fc.integer({ min: -30 * DAY, max: 30 * DAY }),
        (end, atPeriodEnd, offset) => {
          const now = new Date(end.getTime() + offset);
          const s = sub({ status: 'CANCELED', cancelAtPeriodEnd: atPeriodEnd, currentPeriodEnd: end });
          expect(hasAccess(s, { gracePeriodDays: 7, discordRoleId: ROLE_A }, now)).toBe(
            atPeriodEnd && offset < 0,
          );
        },
      ),
    );
  });

  it('agrees with accessEndsAt: access that ends by the clock is granted before and not after', () => {
    fc.assert(
      fc.property(subscriptionArb, offerArb, (s, offer) => {
        const end = accessEndsAt(s, offer);
        if (end === null) return;
        expect(hasAccess(s, offer, new Date(end.getTime()))).toBe(false);
        if (hasAccess(s, offer, new Date(end.getTime() - 1)) === false) {
          // Ended before it could be observed (grace 0, or cancel with the period already over).
          expect(s.status === 'PAST_DUE' || s.status === 'CANCELED').toBe(true);
        }
      }),
    );
  });
});

describe('desiredRoles', () => {
  it('keeps a role shared by two offers while either subscription grants it', () => {
    const active = {
      subscription: sub({ status: 'ACTIVE' }),
      offer: { gracePeriodDays: 0, discordRoleId: ROLE_A },
    };
    const canceled = {
      subscription: sub({ status: 'CANCELED', currentPeriodEnd: new Date(NOW.getTime() - DAY) }),
      offer: { gracePeriodDays: 0, discordRoleId: ROLE_A },
    };
    expect(desiredRoles([active, canceled], NOW)).toEqual([ROLE_A]);
    expect(desiredRoles([canceled], NOW)).toEqual([]);
  });

  it('is the union of what each subscription grants, whatever their order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ subscription: subscriptionArb, offer: offerArb }), { maxLength: 8 }),
        instant,
        (items, now) => {
          const expected = new Set(
            items.filter((i) => hasAccess(i.subscription, i.offer, now)).map((i) => i.offer.discordRoleId),
          );
          const roles = desiredRoles(items, now);
          expect(new Set(roles)).toEqual(expected);
          expect(desiredRoles([...items].reverse(), now)).toEqual(roles);
        },
      ),
    );
  });

  it('ignores offers that name no role', () => {
    expect(
      desiredRoles([{ subscription: sub({}), offer: { gracePeriodDays: 0, discordRoleId: null } }], NOW),
    ).toEqual([]);
  });
});

describe('roleDiff', () => {
  it('never removes a role the system does not manage, and reaches the desired managed set', () => {
    const roleArb: fc.Arbitrary<string> = fc.constantFrom(
      '111111111111111111',
      '222222222222222222',
      '333333333333333333',
      '444444444444444444',
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(roleArb),
        fc.uniqueArray(roleArb),
        fc.uniqueArray(roleArb),
        (desiredRaw, current, managedList) => {
          const managed = new Set(managedList);
          const desired = desiredRaw.filter((r) => managed.has(r));
          const { add, remove } = roleDiff(desired, current, managed);
          for (const role of remove) expect(managed.has(role)).toBe(true);
          const after = new Set([...current.filter((r) => !remove.includes(r)), ...add]);
          expect([...after].filter((r) => managed.has(r)).sort()).toEqual([...desired].sort());
          for (const role of current) if (!managed.has(role)) expect(after.has(role)).toBe(true);
          // A second run with nothing changed makes no calls.
          expect(roleDiff(desired, [...after], managed)).toEqual({ add: [], remove: [] });
        },
      ),
    );
  });
});
