import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@inflow/testing';
import type { AccessEndedPage, AccessEndedPosition } from './subscription.repository';

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

  it('pages through access ended in a window by the clock, then by events, each row once', async () => {
    const subs = t.db.repositories.subscriptions;
    const subscriptionOf = async (
      n: number,
      linked: boolean,
      status: string,
      accessEndsAt: string | null,
      updatedAt: string,
    ) => {
      const customer = await t.db.repositories.customers.upsert(merchantId, `cus_page_${n}`, null);
      if (linked)
        await t.sql(
          `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
          [merchantId, customer, `44444444444444440${n}`],
        );
      const [row] = await t.sql<{ id: string }>(
        `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, cancel_at_period_end,
                                   access_ends_at, last_event_at, last_event_id, updated_at)
         VALUES ($1, $2, $3, $4, $5, false, $6, $7, 'evt_page', $7) RETURNING id`,
        [merchantId, `sub_page_${n}`, customer, offerId, status, accessEndsAt, updatedAt],
      );
      return row!.id;
    };
    // sub_1 (from the test above) ends by the clock at 2026-11-23T00:00:00Z, linked to USER.
    const [first] = await t.sql<{ id: string }>(`SELECT id FROM subscription WHERE external_id = 'sub_1'`);
    // One microsecond after sub_1: the page after it must neither skip nor repeat it (cursor precision).
    const justAfter = await subscriptionOf(
      2,
      true,
      'PAST_DUE',
      '2026-11-23T00:00:00.000001Z',
      '2026-11-20T00:00:00Z',
    );
    await subscriptionOf(3, false, 'PAST_DUE', '2026-11-23T03:00:00Z', '2026-11-20T00:00:00Z');
    const both = await subscriptionOf(4, true, 'CANCELED', '2026-11-23T06:00:00Z', '2026-11-22T13:00:00Z');
    const byEvent = await subscriptionOf(5, true, 'CANCELED', null, '2026-11-22T12:00:00Z');
    await subscriptionOf(6, true, 'ACTIVE', null, '2026-11-22T12:00:00Z');
    await subscriptionOf(7, true, 'PAST_DUE', '2026-11-25T00:00:00Z', '2026-11-21T00:00:00Z');
    const from = new Date('2026-11-22T00:00:00Z');
    const to = new Date('2026-11-24T00:00:00Z');

    const pages = [];
    let after: AccessEndedPosition | null = null;
    do {
      const page: AccessEndedPage = await subs.accessEndedPage(from, to, after, 1);
      pages.push(page.members.map((member) => member.id));
      after = page.next;
    } while (after !== null && pages.length < 20);
    // A page holds one subscription. The unlinked one's page has no member, nor has the event's page that
    // holds the one the clock found already, but the paging goes on past both.
    expect(pages).toEqual([[first!.id], [justAfter], [], [both], [byEvent], [], []]);

    const whole = await subs.accessEndedPage(from, to, null, 10);
    expect(whole.next).toBeNull();
    expect(whole.members).toEqual([
      { id: first!.id, guildId: GUILD, discordUserId: USER },
      { id: justAfter, guildId: GUILD, discordUserId: '444444444444444402' },
      { id: both, guildId: GUILD, discordUserId: '444444444444444404' },
      { id: byEvent, guildId: GUILD, discordUserId: '444444444444444405' },
    ]);
    // A window after all of them is empty.
    expect(await subs.accessEndedPage(to, new Date('2026-11-24T12:00:00Z'), null, 10)).toEqual({
      members: [],
      next: null,
    });
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
