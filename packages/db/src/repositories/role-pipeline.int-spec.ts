import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@inflow/testing';

const GUILD = '111111111111111111';
const USER = '222222222222222222';
const ROLE = '333333333333333333';

describe('role pipeline repositories', () => {
  let t: TestDatabase;
  let merchantId: string;
  let offerId: string;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const repos = t.db.repositories;
    merchantId = (
      await repos.merchants.createWithApiKey('Acme', {
        keyHash: createHash('sha256').update('k').digest(),
        keyPrefix: 'k',
      })
    ).merchant.id;
    await repos.discordGuilds.bindInstall(merchantId, GUILD, 'Guild', new Date());
    offerId = (
      await repos.offers.create(merchantId, {
        name: 'VIP',
        description: null,
        amountInCents: 100,
        currency: 'EUR',
        billingInterval: 'month',
        intervalCount: 1,
        discordGuildId: GUILD,
        discordRoleId: ROLE,
        gracePeriodDays: 3,
      })
    ).id;
    customerId = await repos.customers.upsert(merchantId, 'cus_1', null);
    await t.sql(`INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`, [
      merchantId,
      customerId,
      USER,
    ]);
  });

  afterAll(async () => {
    await t.drop();
  });

  it('finds the subscriptions of a linked member in a guild, with their offer', async () => {
    await t.db.repositories.subscriptions.insertIfAbsent(merchantId, 'sub_1', customerId, {
      offerId,
      status: 'PAST_DUE',
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      pastDueSince: new Date('2026-11-20T00:00:00Z'),
      accessEndsAt: new Date('2026-11-23T00:00:00Z'),
      lastEventAt: new Date('2026-11-20T00:00:00Z'),
      lastEventId: 'evt_1',
    });
    expect(await t.db.repositories.subscriptions.ofMemberInGuild(GUILD, USER)).toEqual([
      expect.objectContaining({
        externalId: 'sub_1',
        offerName: 'VIP',
        subscription: expect.objectContaining({ status: 'PAST_DUE' }),
        offer: { gracePeriodDays: 3, discordRoleId: ROLE },
      }),
    ]);
    expect(await t.db.repositories.subscriptions.ofMemberInGuild(GUILD, '999999999999999999')).toEqual([]);
  });

  it('finds access that ended in a window, once, in keyset pages', async () => {
    const subs = t.db.repositories.subscriptions;
    const due = await subs.accessEndedBetween(
      new Date('2026-11-22T00:00:00Z'),
      new Date('2026-11-24T00:00:00Z'),
      null,
      10,
    );
    expect(due).toEqual([expect.objectContaining({ guildId: GUILD, discordUserId: USER })]);
    expect(
      await subs.accessEndedBetween(
        new Date('2026-11-22T00:00:00Z'),
        new Date('2026-11-24T00:00:00Z'),
        due[0]!.id,
        10,
      ),
    ).toEqual([]);
    expect(
      await subs.accessEndedBetween(
        new Date('2026-11-23T00:00:00Z'),
        new Date('2026-11-24T00:00:00Z'),
        null,
        10,
      ),
    ).toEqual([]);
  });

  it('records members as seen, never letting an older observation overwrite a newer one', async () => {
    const members = t.db.repositories.discordMembers;
    expect(await members.recordSeen(GUILD, USER, 'member', [ROLE], new Date('2026-11-24T10:00:00Z'))).toBe(
      true,
    );
    expect(await members.recordSeen(GUILD, USER, 'absent', null, new Date('2026-11-24T09:00:00Z'))).toBe(
      true,
    );
    expect(await members.find(GUILD, USER)).toMatchObject({ presence: 'member', rolesSeen: [ROLE] });
    expect(await members.recordSeen('444444444444444444', USER, 'member', [], new Date())).toBe(false);
  });

  it('keeps one open alert per problem, counting occurrences, until resolved', async () => {
    const alerts = t.db.repositories.merchantAlerts;
    const first = await alerts.raise(merchantId, GUILD, 'role_above_bot', ROLE, 'Move the bot role up');
    const second = await alerts.raise(merchantId, GUILD, 'role_above_bot', ROLE, 'Move the bot role up');
    expect([first.opened, second.opened]).toEqual([true, false]);
    expect(second.alert).toMatchObject({ id: first.alert.id, occurrences: 2 });
    expect(await alerts.markNotified(first.alert.id)).toBe(true);
    expect(await alerts.markNotified(first.alert.id)).toBe(false);
    expect(await alerts.resolve(GUILD, 'role_above_bot')).toBe(1);
    expect((await alerts.raise(merchantId, GUILD, 'role_above_bot', ROLE, 'again')).opened).toBe(true);
  });
});
