import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RateLimitedJobError } from '@inflow/queue';
import { DiscordRequestError } from '@inflow/discord';
import { PipelineFixture } from './test/pipeline-fixture';

describe('role sync: the mass-removal brake and transient failures', () => {
  let f: PipelineFixture;
  let vipOffer: string;
  const fans: string[] = [];

  beforeAll(async () => {
    f = await PipelineFixture.start({ windowMs: 600_000, minimum: 3 });
    vipOffer = await f.offer(f.seed.vipRoleId);
    for (let i = 0; i < 8; i += 1) {
      const user = f.emulator.state.createUser({ username: `fan${i}` }).id;
      f.emulator.state.joinGuild(f.guildId, user);
      await f.subscribe(await f.linkedCustomer(`cus_${i}`, user), vipOffer, `sub_${i}`, { status: 'ACTIVE' });
      await f.sync(user);
      fans.push(user);
    }
  });

  afterAll(async () => {
    await f.stop();
  });

  it('holds removals past half of the guild’s roles in the window, with one alert, and never holds adds', async () => {
    for (let i = 0; i < fans.length; i += 1) {
      const customer = (await f.t.db.repositories.customers.findByExternalId(f.merchantId, `cus_${i}`))!.id;
      await f.subscribe(customer, vipOffer, `sub_${i}`, { status: 'EXPIRED' });
    }
    for (const user of fans) await f.sync(user);
    const stillHave = fans.filter((user) => f.roles(user)?.includes(f.seed.vipRoleId));
    expect(fans.length - stillHave.length).toBe(4);
    for (const user of stillHave)
      expect(await f.grant(user, f.seed.vipRoleId)).toMatchObject({ syncState: 'held', applied: true });
    const alerts = await f.t.db.repositories.merchantAlerts.listOpen(f.merchantId, f.guildId);
    expect(alerts.filter((alert) => alert.kind === 'mass_removal_held')).toEqual([
      expect.objectContaining({ occurrences: 4 }),
    ]);

    const newcomer = f.emulator.state.createUser({ username: 'newcomer' }).id;
    f.emulator.state.joinGuild(f.guildId, newcomer);
    await f.subscribe(await f.linkedCustomer('cus_new', newcomer), vipOffer, 'sub_new', { status: 'ACTIVE' });
    await f.sync(newcomer);
    expect(f.roles(newcomer)).toContain(f.seed.vipRoleId);
  });

  it('gives a long rate limit back to the queue without spending an attempt, and a 5xx to the retry policy', async () => {
    const user = f.emulator.state.createUser({ username: 'late' }).id;
    f.emulator.state.joinGuild(f.guildId, user);
    await f.subscribe(await f.linkedCustomer('cus_late', user), vipOffer, 'sub_late', { status: 'ACTIVE' });
    await f.t.db.repositories.discordMembers.recordSeen(f.guildId, user, 'member', [], new Date());

    f.emulator.faults.setServerErrorRate(1, [503]);
    await expect(f.sync(user)).rejects.toBeInstanceOf(DiscordRequestError);
    f.emulator.faults.setServerErrorRate(0);
    expect(f.roles(user)).not.toContain(f.seed.vipRoleId);

    f.emulator.faults.startRateLimitStorm({ scope: 'user', durationMs: 60_000, retryAfterMs: 30_000 });
    await expect(f.sync(user)).rejects.toBeInstanceOf(RateLimitedJobError);
    f.emulator.faults.clear();
    await f.sync(user);
    expect(f.roles(user)).toContain(f.seed.vipRoleId);
  });
});
