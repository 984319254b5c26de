import { createHash, randomUUID } from 'node:crypto';
import type { SubscriptionStatus } from '@inflow/contracts';
import type { TestDatabase } from '@inflow/testing';
import type { Queue } from 'bullmq';

/** A merchant with one installed guild and one offer granting a role there. */
export interface ArrangedGuild {
  merchantId: string;
  guildId: string;
  offerId: string;
}

export interface ArrangedSubscription {
  guild: ArrangedGuild;
  status: SubscriptionStatus;
  /** The linked Discord user, or null for a customer who never linked. */
  discordUserId: string | null;
  accessEndsAt: Date | null;
  /** Defaults to long ago, so the row stays out of every sweep window unless a test puts it in one. */
  updatedAt?: Date;
  /** Reuse a customer (a second subscription of the same person). */
  customerId?: string;
}

const LONG_AGO = new Date('2001-01-01T00:00:00Z');
let roleCounter = 0;

/** A realistic 19-digit Discord id, different on every call. */
export function snowflake(seed: number): string {
  return String(1_100_000_000_000_000_000n + BigInt(seed));
}

export async function arrangeGuild(t: TestDatabase, guildId: string): Promise<ArrangedGuild> {
  const repos = t.db.repositories;
  const { merchant } = await repos.merchants.createWithApiKey(`Merchant of ${guildId}`, {
    keyHash: createHash('sha256').update(randomUUID()).digest(),
    keyPrefix: 'test',
  });
  await repos.discordGuilds.bindInstall(merchant.id, guildId, 'Guild', new Date());
  return { merchantId: merchant.id, guildId, offerId: await arrangeOffer(t, merchant.id, guildId) };
}

export async function arrangeOffer(t: TestDatabase, merchantId: string, guildId: string): Promise<string> {
  roleCounter += 1;
  const offer = await t.db.repositories.offers.create(merchantId, {
    name: `VIP ${roleCounter}`,
    description: null,
    amountInCents: 999,
    currency: 'EUR',
    billingInterval: 'month',
    intervalCount: 1,
    discordGuildId: guildId,
    discordRoleId: snowflake(900_000 + roleCounter),
    gracePeriodDays: 3,
  });
  return offer.id;
}

/** A subscription of its own customer (linked or not), with the timestamps the sweep reads set as given. */
export async function arrangeSubscription(
  t: TestDatabase,
  input: ArrangedSubscription,
): Promise<{ subscriptionId: string; customerId: string }> {
  const repos = t.db.repositories;
  const { merchantId, offerId } = input.guild;
  const customerId =
    input.customerId ?? (await repos.customers.upsert(merchantId, `cus_${randomUUID()}`, null));
  if (input.discordUserId !== null && input.customerId === undefined) {
    await t.sql(`INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`, [
      merchantId,
      customerId,
      input.discordUserId,
    ]);
  }
  const subscriptionId = await repos.subscriptions.insertIfAbsent(
    merchantId,
    `sub_${randomUUID()}`,
    customerId,
    {
      offerId,
      status: input.status,
      currentPeriodEnd: input.status === 'CANCELED' ? input.accessEndsAt : null,
      cancelAtPeriodEnd: input.status === 'CANCELED' && input.accessEndsAt !== null,
      // The offers' grace is 3 days: past due since 3 days before access ends.
      pastDueSince:
        input.status === 'PAST_DUE' && input.accessEndsAt !== null
          ? new Date(input.accessEndsAt.getTime() - 3 * 86_400_000)
          : null,
      accessEndsAt: input.accessEndsAt,
      lastEventAt: LONG_AGO,
      lastEventId: `evt_${randomUUID()}`,
    },
  );
  if (subscriptionId === null) throw new Error('subscription already existed');
  await t.sql(`UPDATE subscription SET updated_at = $2 WHERE id = $1`, [
    subscriptionId,
    input.updatedAt ?? LONG_AGO,
  ]);
  return { subscriptionId, customerId };
}

/** The role-sync jobs waiting under a prefix, as `guildId:userId:reason`, sorted. */
export async function waitingRoleSyncs(queue: Queue): Promise<string[]> {
  const jobs = await queue.getJobs(['wait', 'prioritized', 'delayed', 'active']);
  return jobs
    .map((job) => {
      const data = job.data as { guildId: string; userId: string; reason: string };
      return `${data.guildId}:${data.userId}:${data.reason}`;
    })
    .sort();
}
