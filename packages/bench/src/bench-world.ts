import { createHash, randomBytes } from 'node:crypto';
import { DEMO_BOT_PERMISSIONS, type DiscordEmulator } from '@inflow/discord-emulator';
import type { TestDatabase } from '@inflow/testing';

/** Groups of members, one per scenario that changes roles, so no scenario sees another's work. */
export type CohortName = 'drain' | 'drain-replicas' | 'latency';

export interface WorldSize {
  guilds: number;
  /** Members per guild in each cohort. */
  membersPerGuild: Record<CohortName, number>;
}

export interface BenchGuild {
  guildId: string;
  roleId: string;
  /** Set once the database knows the guild (seedDatabase). */
  offerId: string;
}

export interface BenchMember {
  guild: BenchGuild;
  userId: string;
  customerExternalId: string;
  subscriptionExternalId: string;
}

/** The Discord side of the world: guilds with the bot on top and a VIP role, members without roles. */
export interface EmulatorWorld {
  guilds: BenchGuild[];
  /** Members of each cohort, interleaved across guilds (member 0 of every guild, then member 1, …). */
  cohorts: Record<CohortName, BenchMember[]>;
}

export interface Merchant {
  merchantId: string;
  apiKey: string;
}

/**
 * Creates the guilds and their members in the emulator. Done before the services start, so the gateway's
 * first GUILD_CREATEs find guilds no merchant has bound yet and trigger nothing; what is measured later is
 * only what the scenarios ask for.
 */
export function seedEmulator(emulator: DiscordEmulator, size: WorldSize): EmulatorWorld {
  const state = emulator.state;
  const guilds: BenchGuild[] = [];
  const perGuild: Record<CohortName, BenchMember[][]> = { drain: [], 'drain-replicas': [], latency: [] };
  for (let g = 0; g < size.guilds; g += 1) {
    const owner = state.createUser({ username: `owner${g}` });
    const guild = state.createGuild({ name: `Bench Guild ${g}`, ownerId: owner.id });
    const role = state.createRole(guild.id, { name: 'VIP', position: 1 });
    state.installBot(guild.id, { permissions: DEMO_BOT_PERMISSIONS, placement: 'top' });
    const benchGuild: BenchGuild = { guildId: guild.id, roleId: role.id, offerId: '' };
    guilds.push(benchGuild);
    for (const cohort of Object.keys(perGuild) as CohortName[]) {
      const members: BenchMember[] = [];
      for (let m = 0; m < size.membersPerGuild[cohort]; m += 1) {
        const user = state.createUser({ username: `${cohort}-${g}-${m}` });
        state.joinGuild(guild.id, user.id);
        members.push({
          guild: benchGuild,
          userId: user.id,
          customerExternalId: `cus_${cohort}_${g}_${m}`,
          subscriptionExternalId: `sub_${cohort}_${g}_${m}`,
        });
      }
      perGuild[cohort].push(members);
    }
  }
  const interleave = (lists: BenchMember[][]): BenchMember[] => {
    const longest = Math.max(0, ...lists.map((list) => list.length));
    const out: BenchMember[] = [];
    for (let i = 0; i < longest; i += 1) {
      for (const list of lists) {
        const member = list[i];
        if (member !== undefined) out.push(member);
      }
    }
    return out;
  };
  return {
    guilds,
    cohorts: {
      drain: interleave(perGuild.drain),
      'drain-replicas': interleave(perGuild['drain-replicas']),
      latency: interleave(perGuild.latency),
    },
  };
}

/** A merchant with an API key, as `pnpm admin merchant create` makes them. */
export async function createMerchant(t: TestDatabase, name: string): Promise<Merchant> {
  const apiKey = `inflow_priv_${randomBytes(32).toString('base64url')}`;
  const { merchant } = await t.db.repositories.merchants.createWithApiKey(name, {
    keyHash: createHash('sha256').update(apiKey).digest(),
    keyPrefix: apiKey.slice(0, 18),
  });
  return { merchantId: merchant.id, apiKey };
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * The merchant's side: each guild bound to the merchant (what the bot install stores) with one offer
 * naming its VIP role; every cohort member a linked customer whose roles the system has seen (none yet),
 * so that a sync needs no Discord read. The drain cohorts get an ACTIVE subscription now (their syncs
 * are triggered later); the latency cohort's subscriptions are created by the scenario's events.
 */
export async function seedDatabase(t: TestDatabase, merchant: Merchant, world: EmulatorWorld): Promise<void> {
  const repos = t.db.repositories;
  const now = new Date();
  for (const [i, guild] of world.guilds.entries()) {
    await repos.discordGuilds.bindInstall(merchant.merchantId, guild.guildId, `Bench Guild ${i}`, now);
    const offer = await repos.offers.create(merchant.merchantId, {
      name: 'VIP Monthly',
      description: null,
      amountInCents: 999,
      currency: 'EUR',
      billingInterval: 'month',
      intervalCount: 1,
      discordGuildId: guild.guildId,
      discordRoleId: guild.roleId,
      gracePeriodDays: 0,
    });
    guild.offerId = offer.id;
  }
  const members = Object.values(world.cohorts).flat();
  const customers = await t.sql<{ id: string; external_id: string }>(
    `INSERT INTO customer (merchant_id, external_id) SELECT $1, unnest($2::text[]) RETURNING id, external_id`,
    [merchant.merchantId, members.map((m) => m.customerExternalId)],
  );
  const customerIds = new Map(customers.map((row) => [row.external_id, row.id]));
  const customerOf = (member: BenchMember): string => {
    const id = customerIds.get(member.customerExternalId);
    if (id === undefined) throw new Error(`customer ${member.customerExternalId} was not created`);
    return id;
  };
  await t.sql(
    `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id)
     SELECT $1, unnest($2::uuid[]), unnest($3::text[])`,
    [merchant.merchantId, members.map(customerOf), members.map((m) => m.userId)],
  );
  const subscribed = [...world.cohorts.drain, ...world.cohorts['drain-replicas']];
  await t.sql(
    `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, current_period_end,
                               cancel_at_period_end, last_event_at, last_event_id)
     SELECT $1, unnest($2::text[]), unnest($3::uuid[]), unnest($4::uuid[]), 'ACTIVE', $5, false, $6, 'evt_seed'`,
    [
      merchant.merchantId,
      subscribed.map((m) => m.subscriptionExternalId),
      subscribed.map(customerOf),
      subscribed.map((m) => m.guild.offerId),
      new Date(now.getTime() + 30 * 86_400_000),
      now,
    ],
  );
  // The gateway records what it sees of members this way; here the bench tells it "no roles yet".
  await inPool(members, 8, async (member) => {
    await repos.discordMembers.recordSeen(member.guild.guildId, member.userId, 'member', [], now);
  });
}
