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

const DAY = 86_400_000;

/**
 * The seed flow over time, with every worker running: the gateway turns a late join into the role, and
 * the cleanup cycle (every second here) removes roles whose access ended by the clock.
 */
describe('role lifecycle with the gateway and cleanup workers', () => {
  let stack: Stack;
  let acme: Merchant;
  let vip: string;
  let graceful: string;

  beforeAll(async () => {
    stack = await Stack.start({
      services: ['api', 'role-sync-worker', 'gateway-worker', 'cleanup-worker'],
      env: { CLEANUP_INTERVAL_MS: '1000', CLEANUP_COMMIT_MARGIN_MS: '1000' },
    });
    acme = await merchantWithGuild(stack);
    vip = await createOffer(stack, acme, stack.seed.vipRoleId);
    graceful = await createOffer(stack, acme, stack.seed.memberRoleId, {
      name: 'Member, 1 day grace',
      gracePeriodDays: 1,
    });
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('grants the role when a subscriber joins the server later', async () => {
    const carol = stack.seed.userIds[2]!;
    expect(stack.emulator.state.member(stack.guildId, carol)).toBeUndefined();
    await linkCustomer(stack, acme, 'cus_carol', carol);
    expect(
      (
        await stack.api(
          'POST',
          '/events',
          acme.apiKey,
          subscriptionEvent(vip, 'sub_carol', 'cus_carol', 'subscription.created', 'ACTIVE'),
        )
      ).status,
    ).toBe(202);
    await eventually(async () => {
      expect((await stack.api('GET', '/subscription/sub_carol', acme.apiKey)).body).toMatchObject({
        roles: [{ state: 'pending', has: false }],
      });
    }, 15_000);

    stack.emulator.state.joinGuild(stack.guildId, carol);
    await eventually(() => expect(stack.roles(carol)).toEqual([stack.seed.vipRoleId]), 15_000);
  });

  it('removes the role at once when past due with no grace period', async () => {
    const alice = stack.seed.userIds[0]!;
    await linkCustomer(stack, acme, 'cus_alice', alice);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_alice', 'cus_alice', 'subscription.created', 'ACTIVE'),
    );
    await eventually(() => expect(stack.roles(alice)).toContain(stack.seed.vipRoleId), 15_000);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_alice', 'cus_alice', 'subscription.past_due', 'PAST_DUE'),
    );
    await eventually(() => expect(stack.roles(alice)).not.toContain(stack.seed.vipRoleId), 15_000);
  });

  it('keeps the role through the grace period, then the cleanup cycle removes it', async () => {
    const bob = stack.seed.userIds[1]!;
    await linkCustomer(stack, acme, 'cus_bob', bob);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(graceful, 'sub_bob', 'cus_bob', 'subscription.created', 'ACTIVE', {
        occurredAt: new Date(Date.now() - 2 * DAY),
      }),
    );
    await eventually(() => expect(stack.roles(bob)).toContain(stack.seed.memberRoleId), 15_000);
    // Past due since one day minus four seconds: the one-day grace runs out four seconds from now.
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(graceful, 'sub_bob', 'cus_bob', 'subscription.past_due', 'PAST_DUE', {
        occurredAt: new Date(Date.now() - DAY + 4000),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(stack.roles(bob)).toContain(stack.seed.memberRoleId);
    await eventually(() => expect(stack.roles(bob)).not.toContain(stack.seed.memberRoleId), 20_000, 200);
  });

  it('keeps a role canceled at period end until the period ends, then removes it', async () => {
    const dave = stack.emulator.state.createUser({ username: 'dave' }).id;
    stack.emulator.state.joinGuild(stack.guildId, dave);
    await linkCustomer(stack, acme, 'cus_dave', dave);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_dave', 'cus_dave', 'subscription.created', 'ACTIVE', {
        occurredAt: new Date(Date.now() - 60_000),
      }),
    );
    await eventually(() => expect(stack.roles(dave)).toContain(stack.seed.vipRoleId), 15_000);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_dave', 'cus_dave', 'subscription.canceled', 'CANCELED', {
        cancelAtPeriodEnd: true,
        currentPeriodEnd: new Date(Date.now() + 4000),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(stack.roles(dave)).toContain(stack.seed.vipRoleId);
    await eventually(() => expect(stack.roles(dave)).not.toContain(stack.seed.vipRoleId), 20_000, 200);
  });

  it('heals a paid role a moderator removed, and never removes a role the system does not manage', async () => {
    const alice = stack.seed.userIds[0]!;
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_alice', 'cus_alice', 'subscription.updated', 'ACTIVE'),
    );
    await eventually(() => expect(stack.roles(alice)).toContain(stack.seed.vipRoleId), 15_000);
    const moderatorRole = stack.emulator.state.createRole(stack.guildId, { name: 'Helper', position: 1 });
    stack.emulator.state.setMemberRoles(stack.guildId, alice, [moderatorRole.id]);
    await eventually(
      () => expect(stack.roles(alice).sort()).toEqual([moderatorRole.id, stack.seed.vipRoleId].sort()),
      15_000,
    );
  });
});

describe('operator metrics', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      services: ['api', 'role-sync-worker', 'gateway-worker', 'cleanup-worker', 'notification-worker'],
    });
    const acme = await merchantWithGuild(stack);
    const vip = await createOffer(stack, acme, stack.seed.vipRoleId);
    await linkCustomer(stack, acme, 'cus_alice', stack.seed.userIds[0]!);
    await stack.api(
      'POST',
      '/events',
      acme.apiKey,
      subscriptionEvent(vip, 'sub_alice', 'cus_alice', 'subscription.created', 'ACTIVE'),
    );
    await eventually(
      () => expect(stack.roles(stack.seed.userIds[0]!)).toContain(stack.seed.vipRoleId),
      15_000,
    );
  });

  afterAll(async () => {
    await stack.stop();
  });

  const metrics = async (service: Parameters<Stack['logs']>[0]) =>
    (await fetch(`http://127.0.0.1:${stack.ports.get(service)}/metrics`)).text();

  it('answer what an operator asks, on each service’s /metrics', async () => {
    const api = await metrics('api');
    for (const name of [
      'queue_jobs{',
      'queue_oldest_waiting_seconds{',
      'outbox_pending_rows',
      'outbox_oldest_pending_seconds',
      'discord_guilds{status="healthy"',
      'discord_guild_healthy{',
      'http_request_duration_seconds_bucket{',
    ]) {
      expect({ service: 'api', name, present: api.includes(name) }).toEqual({
        service: 'api',
        name,
        present: true,
      });
    }
    await eventually(async () => {
      const roleSync = await metrics('role-sync-worker');
      for (const name of [
        'jobs_total{job="role-sync.member",outcome="done"',
        'discord_requests_total{',
        'discord_invalid_requests_10m',
        'event_to_role_seconds_bucket{',
        'role_changes_total{change="granted"',
      ]) {
        expect({ name, present: roleSync.includes(name) }).toEqual({ name, present: true });
      }
      // The grant above was asked for by an event: the histogram counted it.
      const counted = /^event_to_role_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(roleSync)?.[1];
      expect(Number(counted)).toBeGreaterThanOrEqual(1);
    });
    await eventually(async () =>
      expect(await metrics('notification-worker')).toContain('jobs_total{job="notification.send"'),
    );
    expect(await metrics('gateway-worker')).toContain('gateway_events_total{');
    expect(await metrics('cleanup-worker')).toContain('cleanup_');
  });
});
