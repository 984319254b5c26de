import { describe, expect, it } from '@jest/globals';
import { createOfferSchema, updateOfferSchema } from './offer.schema';
import { merchantEventSchema } from './merchant-event.schema';
import { snowflakeSchema } from '../snowflake';

const GUILD = '123456789012345678';
const ROLE = '876543210987654321';

describe('snowflakeSchema', () => {
  it.each(['12345678901234567', '12345678901234567890', GUILD])('accepts %s', (id) => {
    expect(snowflakeSchema.safeParse(id).success).toBe(true);
  });
  it.each([
    '1234567890123456',
    '123456789012345678901',
    '012345678901234567',
    'abc',
    Number.MAX_SAFE_INTEGER,
    '',
  ])('rejects %p', (id) => {
    expect(snowflakeSchema.safeParse(id).success).toBe(false);
  });
});

describe('createOfferSchema', () => {
  const seed = {
    name: 'VIP',
    description: 'Monthly VIP',
    amountInCents: 999,
    currency: 'eur',
    interval: 'month',
    intervalCount: 1,
    discordGuildId: GUILD,
    discordRoleId: ROLE,
  };

  it("accepts the seed's example and normalises the currency", () => {
    const offer = createOfferSchema.parse(seed);
    expect(offer).toMatchObject({ currency: 'EUR', gracePeriodDays: 0, discordGuildId: GUILD });
  });

  it('refuses a guild without a role, naming the missing field', () => {
    const result = createOfferSchema.safeParse({ ...seed, discordRoleId: undefined });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['discordRoleId']);
  });

  it('refuses unknown fields', () => {
    const result = createOfferSchema.safeParse({ ...seed, priceInCents: 1 });
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('lets a patch leave guild and role alone, but not change one without the other', () => {
    expect(updateOfferSchema.safeParse({ name: 'Gold' }).success).toBe(true);
    expect(updateOfferSchema.safeParse({ discordGuildId: null, discordRoleId: null }).success).toBe(true);
    expect(updateOfferSchema.safeParse({ discordRoleId: ROLE }).success).toBe(false);
  });
});

describe('merchantEventSchema', () => {
  const event = {
    id: 'evt_1',
    type: 'subscription.created',
    occurredAt: '2026-11-24T10:00:00Z',
    subscription: {
      id: 'sub_1',
      offerId: '4b3f1a8e-6a53-4c1e-9d55-2f3b2c1d0e9f',
      status: 'ACTIVE',
      currentPeriodEnd: '2026-12-24T10:00:00Z',
      cancelAtPeriodEnd: false,
      customer: { id: 'cus_1', email: 'a@example.com' },
    },
  };

  it("accepts the seed's event", () => {
    expect(merchantEventSchema.safeParse(event).success).toBe(true);
  });

  it('requires a payment for payment events', () => {
    const result = merchantEventSchema.safeParse({ ...event, type: 'payment.failed' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['payment']);
  });

  it('rejects a date without a time zone', () => {
    const result = merchantEventSchema.safeParse({ ...event, occurredAt: '2026-11-24 10:00' });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['occurredAt']);
  });
});
