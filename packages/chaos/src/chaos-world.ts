import { DEMO_BOT_PERMISSIONS, type EmulatorOptions } from '@inflow/discord-emulator';
import { linkCustomer, merchantWithGuild, type Merchant } from '@inflow/e2e/src/merchant-setup';
import type { Stack } from '@inflow/e2e/src/stack';
import { merchantJson } from './api-client';
import type { MemberRef } from './role-convergence';

/**
 * Discord's pacing with time shrunk tenfold (role changes 50 per second per guild instead of 10 per
 * 10 s, member reads and messages likewise), so that a scenario measures recovery from its fault rather
 * than the wait for Discord's buckets. The global limit (50 per second) and every other rule stay.
 */
export const CHAOS_EMULATOR: EmulatorOptions = {
  memberRoleBucket: { limit: 50, windowMs: 1_000 },
  routeBuckets: {
    'get-member': { limit: 50, windowMs: 1_000 },
    'create-message': { limit: 20, windowMs: 1_000 },
  },
};

/** Service settings every scenario shares. */
export const CHAOS_SERVICE_ENV: Record<string, string> = {
  // A chaos run churns roles on purpose; the mass-removal brake would (rightly) hold that churn for the
  // merchant, and the verdict would measure the brake instead of recovery. It has its own tests.
  MASS_REMOVAL_MIN: '1000000',
  CLEANUP_INTERVAL_MS: '1000',
  CLEANUP_COMMIT_MARGIN_MS: '1000',
  // The hostile-request scenario sends thousands of requests with one key; the limit has its own tests.
  API_RATE_LIMIT_PER_SECOND: '100000',
  LOG_LEVEL: 'info',
};

/** An offer with the guild and role it grants. */
export interface ChaosOffer {
  id: string;
  guildId: string;
  roleId: string;
}

export interface ChaosSubscription {
  /** The merchant's subscription id. */
  id: string;
  offer: ChaosOffer;
}

/** A Discord user whose customer is linked, with the subscriptions the traffic will move. */
export interface ChaosMember extends MemberRef {
  customerId: string;
  subscriptions: ChaosSubscription[];
}

/** A guild the merchant connected, with its channels and the product's offers on two of its roles. */
export interface ChaosGuild {
  guildId: string;
  paymentsChannelId: string;
  generalChannelId: string;
  /** Three offers: two grant the same role (shared), one another role. */
  offers: ChaosOffer[];
}

/** The demo guild of the stack, connected to a new merchant, with offers and notifications on. */
export async function connectDemoGuild(stack: Stack): Promise<{ merchant: Merchant; guild: ChaosGuild }> {
  const merchant = await merchantWithGuild(stack, 'Chaos Shop');
  const { guildId, vipRoleId, paymentsChannelId, generalChannelId } = stack.seed;
  const gold = stack.emulator.state.createRole(guildId, { name: 'Gold' });
  const guild = await equipGuild(stack, merchant, {
    guildId,
    paymentsChannelId,
    generalChannelId,
    roles: [vipRoleId, gold.id],
  });
  return { merchant, guild };
}

/** Another guild of the same merchant: created on Discord, the bot installed, connected and equipped. */
export async function connectSecondGuild(
  stack: Stack,
  merchant: Merchant,
  name: string,
): Promise<ChaosGuild> {
  const { state } = stack.emulator;
  const created = state.createGuild({ name, ownerId: stack.seed.ownerId });
  const vip = state.createRole(created.id, { name: 'VIP' });
  const gold = state.createRole(created.id, { name: 'Gold' });
  state.installBot(created.id, { permissions: DEMO_BOT_PERMISSIONS, placement: 'top' });
  const general = state.createChannel(created.id, { name: 'general' });
  const payments = state.createChannel(created.id, { name: 'payments' });
  await stack.db.repositories.discordGuilds.bindInstall(merchant.merchantId, created.id, name, new Date());
  return equipGuild(stack, merchant, {
    guildId: created.id,
    paymentsChannelId: payments.id,
    generalChannelId: general.id,
    roles: [vip.id, gold.id],
  });
}

async function equipGuild(
  stack: Stack,
  merchant: Merchant,
  input: { guildId: string; paymentsChannelId: string; generalChannelId: string; roles: [string, string] },
): Promise<ChaosGuild> {
  const port = apiPort(stack);
  const config = await merchantJson(port, merchant.apiKey, 'PUT', `/discord/guilds/${input.guildId}`, {
    paymentChannelId: input.paymentsChannelId,
    generalChannelId: input.generalChannelId,
    notifications: {
      paymentSucceeded: true,
      paymentFailed: true,
      subscriptionCreated: true,
      subscriptionCanceled: true,
    },
  });
  if (config.status !== 200) throw new Error(`guild config refused: ${config.status} ${config.text}`);
  const [shared, other] = input.roles;
  const offers: ChaosOffer[] = [];
  for (const [name, roleId] of [
    ['VIP Monthly', shared],
    ['VIP Yearly', shared],
    ['Gold Monthly', other],
  ] as const) {
    const created = await merchantJson(port, merchant.apiKey, 'POST', '/subscription/offer', {
      name,
      amountInCents: 999,
      currency: 'EUR',
      interval: 'month',
      intervalCount: 1,
      discordGuildId: input.guildId,
      discordRoleId: roleId,
    });
    if (created.status !== 201) throw new Error(`offer refused: ${created.status} ${created.text}`);
    offers.push({ id: (JSON.parse(created.text) as { id: string }).id, guildId: input.guildId, roleId });
  }
  return {
    guildId: input.guildId,
    paymentsChannelId: input.paymentsChannelId,
    generalChannelId: input.generalChannelId,
    offers,
  };
}

/**
 * `count` new Discord users, linked to customers of the merchant (as the OAuth flow stores them), with
 * one subscription each and a second one for every third member (on the offer that shares the first
 * one's role, or on the other role). `joined: false` leaves them outside the guild, to join later.
 */
export async function addMembers(
  stack: Stack,
  merchant: Merchant,
  guild: ChaosGuild,
  options: { label: string; count: number; joined?: boolean },
): Promise<ChaosMember[]> {
  const members: ChaosMember[] = [];
  const [first, second, third] = guild.offers as [ChaosOffer, ChaosOffer, ChaosOffer];
  for (let i = 0; i < options.count; i += 1) {
    const name = `${options.label}${i}`;
    const userId = stack.emulator.state.createUser({ username: name }).id;
    if (options.joined !== false) stack.emulator.state.joinGuild(guild.guildId, userId);
    const customerId = `cus_${name}`;
    await linkCustomer(stack, merchant, customerId, userId);
    const offer = [first, third, second][i % 3]!;
    const subscriptions: ChaosSubscription[] = [{ id: `sub_${name}_a`, offer }];
    if (i % 3 === 0) subscriptions.push({ id: `sub_${name}_b`, offer: i % 2 === 0 ? second : third });
    members.push({ guildId: guild.guildId, userId, customerId, subscriptions });
  }
  return members;
}

export function apiPort(stack: Stack): number {
  const port = stack.ports.get('api');
  if (port === undefined) throw new Error('the api is not part of this stack');
  return port;
}
