import { createHash, randomBytes } from 'node:crypto';
import type { Stack } from './stack';

export interface Merchant {
  merchantId: string;
  apiKey: string;
}

/** A merchant with an API key and the demo guild connected, as the admin CLI and the bot install make them. */
export async function merchantWithGuild(stack: Stack, name = 'Acme'): Promise<Merchant> {
  const apiKey = `inflow_priv_${randomBytes(32).toString('base64url')}`;
  const keyHash = createHash('sha256').update(apiKey).digest();
  const { merchant } = await stack.db.repositories.merchants.createWithApiKey(name, {
    keyHash,
    keyPrefix: apiKey.slice(0, 18),
  });
  await stack.db.repositories.discordGuilds.bindInstall(
    merchant.id,
    stack.guildId,
    'Inflow Demo Community',
    new Date(),
  );
  return { merchantId: merchant.id, apiKey };
}

/** Links a customer of the merchant to a Discord user (what the OAuth flow stores, without tokens). */
export async function linkCustomer(
  stack: Stack,
  merchant: Merchant,
  customerExternalId: string,
  discordUserId: string,
): Promise<void> {
  const customerId = await stack.db.repositories.customers.upsert(
    merchant.merchantId,
    customerExternalId,
    null,
  );
  await stack.t.sql(
    `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)
     ON CONFLICT (customer_id) DO UPDATE SET discord_user_id = EXCLUDED.discord_user_id`,
    [merchant.merchantId, customerId, discordUserId],
  );
}

export async function createOffer(
  stack: Stack,
  merchant: Merchant,
  roleId: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await stack.api('POST', '/subscription/offer', merchant.apiKey, {
    name: 'VIP Monthly',
    amountInCents: 999,
    currency: 'EUR',
    interval: 'month',
    intervalCount: 1,
    discordGuildId: stack.guildId,
    discordRoleId: roleId,
    ...extra,
  });
  if (response.status !== 201) throw new Error(`offer not created: ${JSON.stringify(response)}`);
  return (response.body as { id: string }).id;
}

let eventCounter = 0;

/** A merchant event for a subscription, with a unique id unless given. */
export function subscriptionEvent(
  offerId: string,
  subscriptionId: string,
  customerId: string,
  type: string,
  status: string,
  options: {
    occurredAt?: Date;
    currentPeriodEnd?: Date | null;
    cancelAtPeriodEnd?: boolean;
    id?: string;
  } = {},
): Record<string, unknown> {
  eventCounter += 1;
  return {
    id: options.id ?? `evt_${process.pid}_${eventCounter}`,
    type,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    subscription: {
      id: subscriptionId,
      offerId,
      status,
      currentPeriodEnd:
        options.currentPeriodEnd === undefined
          ? new Date(Date.now() + 30 * 86_400_000).toISOString()
          : (options.currentPeriodEnd?.toISOString() ?? null),
      cancelAtPeriodEnd: options.cancelAtPeriodEnd ?? false,
      customer: { id: customerId },
    },
    ...(type.startsWith('payment.')
      ? {
          payment: {
            id: `pay_${eventCounter}`,
            amountInCents: 999,
            currency: 'EUR',
            failureReason: type === 'payment.failed' ? 'card_declined' : null,
          },
        }
      : {}),
  };
}
