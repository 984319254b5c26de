import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@inflow/testing';
import {
  createOffer,
  linkCustomer,
  merchantWithGuild,
  subscriptionEvent,
  type Merchant,
} from './merchant-setup';
import { Stack } from './stack';

describe('the role pipeline, end to end (api + role-sync-worker as processes, the emulator as Discord)', () => {
  let stack: Stack;
  let acme: Merchant;
  let vipOffer: string;

  beforeAll(async () => {
    stack = await Stack.start({
      services: ['api', 'role-sync-worker'],
      // The merchant API's per-key limit (200/s) is not under test: bursts of 25 events may exceed it.
      env: { ROLE_SYNC_LOCK_DURATION_MS: '4000', API_RATE_LIMIT_PER_SECOND: '100000' },
      // Discord's real pacing, shrunk: 10 role changes per guild per second.
      emulator: { memberRoleBucket: { limit: 10, windowMs: 1000 } },
    });
    acme = await merchantWithGuild(stack);
    vipOffer = await createOffer(stack, acme, stack.seed.vipRoleId);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('grants the role after subscription.created and removes it after subscription.canceled', async () => {
    const [alice] = stack.seed.userIds as [string];
    await linkCustomer(stack, acme, 'cus_alice', alice);
    const created = await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vipOffer, 'sub_alice', 'cus_alice', 'subscription.created', 'ACTIVE'),
    );
    expect(created.status).toBe(202);
    await eventually(() => expect(stack.roles(alice)).toContain(stack.seed.vipRoleId), 15_000);
    await eventually(async () => {
      const view = await stack.api('GET', '/subscription/sub_alice', acme.apiKey);
      expect(view.body).toMatchObject({ roles: [{ shouldHave: true, has: true, state: 'synced' }] });
    });

    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vipOffer, 'sub_alice', 'cus_alice', 'subscription.canceled', 'CANCELED', {
        currentPeriodEnd: null,
      }),
    );
    await eventually(() => expect(stack.roles(alice)).not.toContain(stack.seed.vipRoleId), 15_000);
    expect(stack.roles(alice)).toContain(stack.seed.memberRoleId);
  });

  it('keeps a role two offers share while either grants it', async () => {
    const bob = stack.seed.userIds[1]!;
    const gold = await createOffer(stack, acme, stack.seed.vipRoleId, { name: 'Gold (also VIP)' });
    await linkCustomer(stack, acme, 'cus_bob', bob);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vipOffer, 'sub_bob_1', 'cus_bob', 'subscription.created', 'ACTIVE'),
    );
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(gold, 'sub_bob_2', 'cus_bob', 'subscription.created', 'ACTIVE'),
    );
    await eventually(() => expect(stack.roles(bob)).toContain(stack.seed.vipRoleId), 15_000);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vipOffer, 'sub_bob_1', 'cus_bob', 'subscription.expired', 'EXPIRED'),
    );
    await eventually(async () =>
      expect((await stack.api('GET', '/subscription/sub_bob_1', acme.apiKey)).body).toMatchObject({
        status: 'EXPIRED',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stack.roles(bob)).toContain(stack.seed.vipRoleId);
  });

  it('converges 500 events for 100 members, in random order with duplicates, to the roles Postgres says', async () => {
    const members: Array<{ userId: string; customer: string; subscription: string }> = [];
    for (let i = 0; i < 100; i += 1) {
      const userId = stack.emulator.state.createUser({ username: `m${i}` }).id;
      stack.emulator.state.joinGuild(stack.guildId, userId);
      await linkCustomer(stack, acme, `cus_m${i}`, userId);
      members.push({ userId, customer: `cus_m${i}`, subscription: `sub_m${i}` });
    }
    const base = Date.now() - 60_000;
    const statuses = ['ACTIVE', 'PAST_DUE', 'CANCELED', 'ACTIVE', 'EXPIRED'] as const;
    const events = members.flatMap((member, i) =>
      statuses.map((status, step) =>
        subscriptionEvent(
          vipOffer,
          member.subscription,
          member.customer,
          step === 0 ? 'subscription.created' : 'subscription.updated',
          status,
          {
            occurredAt: new Date(base + step * 1000 + i),
            currentPeriodEnd: null,
            id: `evt_m${i}_${step}`,
          },
        ),
      ),
    );
    // The final status of member i is the one at its last step, except for some we stop early.
    const lastStep = members.map((_, i) => (i % 3 === 0 ? 3 : 4));
    const sent = events.filter((event) => {
      const [, i, step] = /evt_m(\d+)_(\d+)/.exec(event.id as string)!;
      return Number(step) <= lastStep[Number(i)]!;
    });
    const shuffled = [...sent, ...sent.filter((_, k) => k % 4 === 0)].sort(() => Math.random() - 0.5);
    for (let k = 0; k < shuffled.length; k += 25) {
      const results = await Promise.all(
        shuffled.slice(k, k + 25).map((event) => stack.api('POST', '/events', acme.apiKey, event)),
      );
      for (const result of results) expect([200, 202]).toContain(result.status);
    }
    await eventually(
      () => {
        members.forEach((member, i) => {
          const shouldHave = statuses[lastStep[i]!] === 'ACTIVE';
          expect({ member: i, has: stack.roles(member.userId).includes(stack.seed.vipRoleId) }).toEqual({
            member: i,
            has: shouldHave,
          });
        });
      },
      60_000,
      250,
    );
  });

  it('loses nothing when the role-sync worker is killed with SIGKILL mid-drain', async () => {
    const users: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const userId = stack.emulator.state.createUser({ username: `k${i}` }).id;
      stack.emulator.state.joinGuild(stack.guildId, userId);
      await linkCustomer(stack, acme, `cus_k${i}`, userId);
      users.push(userId);
    }
    await Promise.all(
      users.map((_, i) =>
        stack.api(
          'POST',
          '/events',
          acme.apiKey,
          subscriptionEvent(vipOffer, `sub_k${i}`, `cus_k${i}`, 'subscription.created', 'ACTIVE'),
        ),
      ),
    );
    await eventually(
      () => expect(users.some((user) => stack.roles(user).includes(stack.seed.vipRoleId))).toBe(true),
      15_000,
      20,
    );
    await stack.kill('role-sync-worker');
    const grantedAtKill = users.filter((user) => stack.roles(user).includes(stack.seed.vipRoleId)).length;
    expect(grantedAtKill).toBeLessThan(users.length);
    await stack.startService('role-sync-worker', { ROLE_SYNC_CONCURRENCY: '5' });
    await eventually(
      () => {
        for (const user of users) expect(stack.roles(user)).toContain(stack.seed.vipRoleId);
      },
      60_000,
      250,
    );
  });

  it('classifies a role above the bot as the merchant’s to fix: an alert, a handful of 403s, healed after the fix', async () => {
    const legend = stack.emulator.state.createRole(stack.guildId, { name: 'Legend', position: 30 });
    const legendOffer = await createOffer(stack, acme, legend.id, { name: 'Legend' });
    const users: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const userId = stack.emulator.state.createUser({ username: `l${i}` }).id;
      stack.emulator.state.joinGuild(stack.guildId, userId);
      await linkCustomer(stack, acme, `cus_l${i}`, userId);
      users.push(userId);
    }
    const forbiddenBefore = stack.emulator.stats.requests({ status: 403 }).length;
    await Promise.all(
      users.map((_, i) =>
        stack.api(
          'POST',
          '/events',
          acme.apiKey,
          subscriptionEvent(legendOffer, `sub_l${i}`, `cus_l${i}`, 'subscription.created', 'ACTIVE'),
        ),
      ),
    );
    await eventually(async () => {
      const states = await stack.t.sql<{ sync_state: string }>(
        `SELECT sync_state FROM role_grant WHERE role_id = $1`,
        [legend.id],
      );
      expect(states.length).toBe(users.length);
      expect(new Set(states.map((s) => s.sync_state))).toEqual(new Set(['needs_action']));
    }, 20_000);
    expect(stack.emulator.stats.requests({ status: 403 }).length - forbiddenBefore).toBeLessThanOrEqual(5);
    const alerts = await stack.db.repositories.merchantAlerts.listOpen(acme.merchantId, stack.guildId);
    expect(alerts.filter((alert) => alert.kind === 'offer_role_above_bot')).toHaveLength(1);

    stack.emulator.state.moveBotRole(stack.guildId, 40);
    const diagnostics = await stack.api('GET', `/discord/guilds/${stack.guildId}/diagnostics`, acme.apiKey);
    expect(diagnostics.body).toMatchObject({ ok: true });
    await eventually(() => {
      for (const user of users) expect(stack.roles(user)).toContain(legend.id);
    }, 20_000);
  });
});
