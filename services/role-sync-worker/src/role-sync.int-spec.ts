import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PipelineFixture } from './test/pipeline-fixture';

const DAY = 86_400_000;

describe('role sync against the Discord emulator', () => {
  let f: PipelineFixture;
  let vipOffer: string;
  let alice: string;
  let bob: string;
  let carol: string;

  beforeAll(async () => {
    f = await PipelineFixture.start();
    vipOffer = await f.offer(f.seed.vipRoleId);
    [alice, bob, carol] = f.seed.userIds as [string, string, string];
  });

  afterAll(async () => {
    await f.stop();
  });

  it('grants the offer role to a linked member with an active subscription, with an audit-log reason', async () => {
    const customer = await f.linkedCustomer('cus_alice', alice);
    await f.subscribe(customer, vipOffer, 'sub_alice', { status: 'ACTIVE' });
    expect(await f.sync(alice)).toBeUndefined();
    expect(f.roles(alice)).toContain(f.seed.vipRoleId);
    const call = f.roleCalls().at(-1)!;
    expect(call).toMatchObject({
      method: 'PUT',
      status: 204,
      auditLogReason: 'Inflow: offer "VIP", subscription sub_alice',
    });
    expect(await f.grant(alice, f.seed.vipRoleId)).toMatchObject({
      desired: true,
      applied: true,
      syncState: 'synced',
      lastError: null,
    });
    expect(await f.t.sql(`SELECT kind, reason FROM audit_log WHERE discord_user_id = $1`, [alice])).toEqual([
      { kind: 'role.granted', reason: 'Inflow: offer "VIP", subscription sub_alice' },
    ]);
  });

  it('reports event-to-role latency for changes an event asked for, and only for those', async () => {
    const customer = (await f.t.db.repositories.customers.findByExternalId(f.merchantId, 'cus_alice'))!.id;
    // The grant of the test above was asked for by an event.
    expect(f.eventLatencies).toHaveLength(1);
    expect(f.eventLatencies[0]).toBeGreaterThanOrEqual(0);
    expect(f.eventLatencies[0]).toBeLessThan(10);

    await f.subscribe(customer, vipOffer, 'sub_alice', { status: 'CANCELED' });
    await f.sync(alice, 'drift');
    expect(f.roles(alice)).not.toContain(f.seed.vipRoleId);
    expect(f.eventLatencies).toHaveLength(1);

    const written = Date.now();
    await f.subscribe(customer, vipOffer, 'sub_alice', { status: 'ACTIVE' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await f.sync(alice);
    expect(f.roles(alice)).toContain(f.seed.vipRoleId);
    expect(f.eventLatencies).toHaveLength(2);
    // Measured from the subscription's write, not from the start of the sync.
    expect(f.eventLatencies[1]).toBeGreaterThanOrEqual(0.1);
    expect(f.eventLatencies[1]).toBeLessThanOrEqual((Date.now() - written) / 1000 + 0.05);
  });

  it('makes no Discord call on a second run with nothing changed', async () => {
    const before = f.emulator.stats.requests().length;
    expect(await f.sync(alice)).toBeUndefined();
    expect(f.emulator.stats.requests().length).toBe(before);
  });

  it('removes the role when the subscription stops granting it, and keeps roles it does not manage', async () => {
    expect(f.roles(alice)).toContain(f.seed.memberRoleId);
    await f.subscribe(
      (await f.t.db.repositories.customers.findByExternalId(f.merchantId, 'cus_alice'))!.id,
      vipOffer,
      'sub_alice',
      { status: 'CANCELED' },
    );
    await f.sync(alice);
    expect(f.roles(alice)).not.toContain(f.seed.vipRoleId);
    expect(f.roles(alice)).toContain(f.seed.memberRoleId);
    expect(f.roleCalls().at(-1)).toMatchObject({
      method: 'DELETE',
      auditLogReason: expect.stringContaining('access ended'),
    });
    expect(await f.grant(alice, f.seed.vipRoleId)).toMatchObject({
      desired: false,
      applied: false,
      syncState: 'synced',
    });
  });

  it('keeps a role two offers share while either subscription still grants it', async () => {
    const yearly = await f.offer(f.seed.vipRoleId, 'VIP Yearly');
    const customer = (await f.t.db.repositories.customers.findByExternalId(f.merchantId, 'cus_alice'))!.id;
    await f.subscribe(customer, yearly, 'sub_alice_yearly', { status: 'ACTIVE' });
    await f.sync(alice);
    expect(f.roles(alice)).toContain(f.seed.vipRoleId);
    await f.subscribe(customer, vipOffer, 'sub_alice', { status: 'EXPIRED' });
    await f.sync(alice);
    expect(f.roles(alice)).toContain(f.seed.vipRoleId);
    await f.subscribe(customer, yearly, 'sub_alice_yearly', {
      status: 'CANCELED',
      cancelAtPeriodEnd: true,
      currentPeriodEnd: new Date(Date.now() + DAY),
    });
    await f.sync(alice);
    expect(f.roles(alice)).toContain(f.seed.vipRoleId);
    await f.subscribe(customer, yearly, 'sub_alice_yearly', {
      status: 'CANCELED',
      cancelAtPeriodEnd: true,
      currentPeriodEnd: new Date(Date.now() - 1000),
    });
    await f.sync(alice);
    expect(f.roles(alice)).not.toContain(f.seed.vipRoleId);
  });

  it('never removes a managed role a moderator gave to someone without a subscription for it', async () => {
    const customer = await f.linkedCustomer('cus_bob', bob);
    const memberOffer = await f.offer(f.seed.memberRoleId, 'Member');
    await f.subscribe(customer, memberOffer, 'sub_bob', { status: 'ACTIVE' });
    f.emulator.state.setMemberRoles(f.guildId, bob, [f.seed.vipRoleId]);
    await f.t.db.repositories.discordMembers.recordSeen(
      f.guildId,
      bob,
      'member',
      [f.seed.vipRoleId],
      new Date(),
    );
    await f.sync(bob);
    expect(f.roles(bob)?.sort()).toEqual([f.seed.memberRoleId, f.seed.vipRoleId].sort());
  });

  it('keeps the grant pending for a member not in the guild without a join token, and grants on join', async () => {
    const customer = await f.linkedCustomer('cus_carol', carol);
    await f.subscribe(customer, vipOffer, 'sub_carol', { status: 'ACTIVE' });
    expect(await f.sync(carol)).toEqual({ status: 'skipped', reason: 'the member is not in the guild' });
    expect(await f.grant(carol, f.seed.vipRoleId)).toMatchObject({
      desired: true,
      applied: false,
      syncState: 'pending',
    });

    f.emulator.state.joinGuild(f.guildId, carol);
    await f.t.db.repositories.discordMembers.recordSeen(f.guildId, carol, 'member', [], new Date());
    expect(await f.sync(carol, 'member-join')).toBeUndefined();
    expect(f.roles(carol)).toEqual([f.seed.vipRoleId]);
    expect(await f.grant(carol, f.seed.vipRoleId)).toMatchObject({ applied: true, syncState: 'synced' });
  });

  it('adds a member who gave guilds.join to the guild with the role in one request (201)', async () => {
    const dave = f.emulator.state.createUser({ username: 'dave' }).id;
    const customer = await f.linkedCustomer('cus_dave', dave, { joinToken: true });
    await f.subscribe(customer, vipOffer, 'sub_dave', { status: 'ACTIVE' });
    expect(await f.sync(dave)).toBeUndefined();
    expect(f.roles(dave)).toEqual([f.seed.vipRoleId]);
    const join = f.emulator.stats
      .requests({ method: 'PUT' })
      .filter((request) => request.route === '/guilds/{guild_id}/members/{user_id}');
    expect(join.map((r) => r.status)).toEqual([201]);
    expect(await f.grant(dave, f.seed.vipRoleId)).toMatchObject({ applied: true, syncState: 'synced' });
  });

  it('marks a banned member blocked instead of retrying', async () => {
    const erin = f.emulator.state.createUser({ username: 'erin' }).id;
    const customer = await f.linkedCustomer('cus_erin', erin, { joinToken: true });
    await f.subscribe(customer, vipOffer, 'sub_erin', { status: 'ACTIVE' });
    f.emulator.state.ban(f.guildId, erin);
    expect(await f.sync(erin)).toEqual({ status: 'skipped', reason: 'the member is not in the guild' });
    expect(await f.grant(erin, f.seed.vipRoleId)).toMatchObject({
      syncState: 'blocked',
      lastErrorCode: 40007,
    });
  });

  it('treats a role above the bot as the merchant’s to fix: one alert, a handful of 403s, healed after the fix', async () => {
    const legend = f.emulator.state.createRole(f.guildId, { name: 'Legend', position: 40 });
    const legendOffer = await f.offer(legend.id, 'Legend');
    const members = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const user = f.emulator.state.createUser({ username: `fan${i}` }).id;
        f.emulator.state.joinGuild(f.guildId, user);
        const customer = await f.linkedCustomer(`cus_fan${i}`, user);
        await f.subscribe(customer, legendOffer, `sub_fan${i}`, { status: 'ACTIVE' });
        return user;
      }),
    );
    const forbiddenBefore = f.roleCalls(403).length;
    for (const user of members) await f.sync(user);
    expect(f.roleCalls(403).length - forbiddenBefore).toBeLessThanOrEqual(2);
    for (const user of members)
      expect(await f.grant(user, legend.id)).toMatchObject({
        syncState: 'needs_action',
        desired: true,
        applied: false,
      });
    const alerts = await f.t.db.repositories.merchantAlerts.listOpen(f.merchantId, f.guildId);
    expect(alerts.filter((a) => a.kind === 'offer_role_above_bot')).toEqual([
      expect.objectContaining({ subject: legend.id, message: expect.stringContaining('"Legend"') }),
    ]);

    f.emulator.state.moveBotRole(f.guildId, 50);
    const guild = (await f.t.db.repositories.discordGuilds.findById(f.guildId))!;
    const report = await new (await import('@inflow/guild-health')).GuildHealthService(f.t.db, f.bot).check(
      guild,
    );
    expect(report).toMatchObject({ ok: true, recovered: true });
    for (const user of members) await f.sync(user);
    for (const user of members) expect(f.roles(user)).toContain(legend.id);
    expect(await f.t.db.repositories.merchantAlerts.listOpen(f.merchantId, f.guildId)).toEqual([]);
  });

  it('checks a guild once for the many jobs refused there at the same moment', async () => {
    const legend = f.emulator.state.createRole(f.guildId, { name: 'Legend', position: 40 });
    await f.offer(legend.id, 'Legend');
    const guild = (await f.t.db.repositories.discordGuilds.findById(f.guildId))!;
    const health = new (await import('@inflow/guild-health')).GuildHealthService(f.t.db, f.bot);
    const since = Date.now();
    const reports = await Promise.all(Array.from({ length: 5 }, () => health.check(guild)));
    // One read of the guild (GET /guilds/{id}), not five; each caller sees the problem, the first opens its alert.
    const guildReads = f.emulator.stats
      .requests({ method: 'GET', route: '/guilds/{guild_id}', since })
      .filter((entry) => entry.route === '/guilds/{guild_id}');
    expect(guildReads).toHaveLength(1);
    for (const report of reports)
      expect(report.problems).toEqual([
        expect.objectContaining({ code: 'offer_role_above_bot', roleId: legend.id }),
      ]);
    expect(reports.map((report) => report.opened.length)).toEqual([1, 0, 0, 0, 0]);
    // Once it has finished, the next call reads the guild again.
    await health.check(guild);
    expect(
      f.emulator.stats
        .requests({ method: 'GET', route: '/guilds/{guild_id}', since })
        .filter((entry) => entry.route === '/guilds/{guild_id}'),
    ).toHaveLength(2);
  });

  it('marks a deleted offer role as needing the merchant, without retrying', async () => {
    const gone = f.emulator.state.createRole(f.guildId, { name: 'Gone', position: 3 });
    const goneOffer = await f.offer(gone.id, 'Gone');
    const user = f.emulator.state.createUser({ username: 'gina' }).id;
    f.emulator.state.joinGuild(f.guildId, user);
    await f.subscribe(await f.linkedCustomer('cus_gina', user), goneOffer, 'sub_gina', { status: 'ACTIVE' });
    f.emulator.state.deleteRole(f.guildId, gone.id);
    expect(await f.sync(user)).toBeUndefined();
    expect(await f.grant(user, gone.id)).toMatchObject({ syncState: 'needs_action', lastErrorCode: 10011 });
  });

  it('keeps a member change the gateway saw while a sync ran, so the sync the gateway asked for heals it', async () => {
    const user = f.emulator.state.createUser({ username: 'ivy' }).id;
    f.emulator.state.joinGuild(f.guildId, user);
    await f.subscribe(await f.linkedCustomer('cus_ivy', user), vipOffer, 'sub_ivy', { status: 'ACTIVE' });
    const helper = f.emulator.state.createRole(f.guildId, { name: 'Helper', position: 2 });
    const addMemberRole = f.bot.addMemberRole.bind(f.bot);
    f.bot.addMemberRole = async (...args: Parameters<typeof addMemberRole>) => {
      await addMemberRole(...args);
      // Just after the grant, a moderator replaces the member's roles, and the gateway records it.
      f.emulator.state.setMemberRoles(f.guildId, user, [helper.id]);
      await f.t.db.repositories.discordMembers.recordSeen(f.guildId, user, 'member', [helper.id], new Date());
    };
    try {
      expect(await f.sync(user)).toBeUndefined();
    } finally {
      f.bot.addMemberRole = addMemberRole;
    }
    expect(await f.t.db.repositories.discordMembers.find(f.guildId, user)).toMatchObject({
      rolesSeen: [helper.id],
    });
    expect(await f.sync(user)).toBeUndefined();
    expect(f.roles(user)?.sort()).toEqual([helper.id, f.seed.vipRoleId].sort());
  });

  it('marks the guild removed when the bot was removed from it', async () => {
    const user = f.emulator.state.createUser({ username: 'hank' }).id;
    f.emulator.state.joinGuild(f.guildId, user);
    await f.subscribe(await f.linkedCustomer('cus_hank', user), vipOffer, 'sub_hank', { status: 'ACTIVE' });
    f.emulator.state.removeBot(f.guildId);
    expect(await f.sync(user)).toEqual({ status: 'skipped', reason: 'the bot was removed from the guild' });
    expect(await f.t.db.repositories.discordGuilds.findById(f.guildId)).toMatchObject({
      installStatus: 'removed',
    });
  });
});
