import type { Repositories } from '@inflow/db';
import { generateApiKey } from '../auth/api-key';

/** A command's result: a JSON value for `--json`, and the same for people. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

export class UsageError extends Error {}

export async function createMerchant(
  repositories: Repositories,
  name: string,
  operator = false,
): Promise<CommandOutput> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) throw new UsageError('--name must be 1 to 200 characters');
  const key = generateApiKey();
  const { merchant } = await repositories.merchants.createWithApiKey(trimmed, key, { operator });
  return {
    json: { merchantId: merchant.id, apiKey: key.apiKey },
    text: [
      `Merchant "${merchant.name}" created.`,
      `  merchantId: ${merchant.id}`,
      `  apiKey:     ${key.apiKey}`,
      'The key is shown once: store it now. Send it as the X-Inflow-Api-Key header.',
    ].join('\n'),
  };
}

export async function listMerchants(repositories: Repositories): Promise<CommandOutput> {
  const merchants = await repositories.merchants.list();
  return {
    json: merchants.map((m) => ({ merchantId: m.id, name: m.name, createdAt: m.createdAt.toISOString() })),
    text: merchants.length === 0 ? 'No merchants.' : merchants.map((m) => `${m.id}  ${m.name}`).join('\n'),
  };
}

/** Lets a merchant's dashboard sign-in open the queue dashboard (every merchant's jobs), or not. */
export async function setOperator(
  repositories: Repositories,
  merchantId: string,
  operator: boolean,
): Promise<CommandOutput> {
  await requireMerchant(repositories, merchantId);
  await repositories.merchants.setOperator(merchantId, operator);
  return {
    json: { merchantId, operator },
    text: operator
      ? `${merchantId} can now open /admin/queues.`
      : `${merchantId} can no longer open /admin/queues.`,
  };
}

async function requireMerchant(repositories: Repositories, merchantId: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(merchantId) || (await repositories.merchants.findById(merchantId)) === null) {
    throw new UsageError(`no merchant ${merchantId}`);
  }
}

export async function createKey(
  repositories: Repositories,
  merchantId: string,
  label: string | null,
): Promise<CommandOutput> {
  await requireMerchant(repositories, merchantId);
  const key = generateApiKey();
  const created = await repositories.apiKeys.create(merchantId, { ...key, label });
  return {
    json: { merchantId, apiKeyId: created.id, apiKey: key.apiKey },
    text: `Key ${created.id} created for ${merchantId}:\n  ${key.apiKey}\nThe key is shown once: store it now.`,
  };
}

export async function listKeys(repositories: Repositories, merchantId: string): Promise<CommandOutput> {
  await requireMerchant(repositories, merchantId);
  const keys = await repositories.apiKeys.listForMerchant(merchantId);
  const rows = keys.map((k) => ({
    apiKeyId: k.id,
    prefix: k.keyPrefix,
    label: k.label,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  }));
  return {
    json: rows,
    text: rows
      .map(
        (k) => `${k.apiKeyId}  ${k.prefix}…  ${k.revokedAt === null ? 'active' : `revoked ${k.revokedAt}`}`,
      )
      .join('\n'),
  };
}

export async function revokeKey(
  repositories: Repositories,
  merchantId: string,
  apiKeyId: string,
): Promise<CommandOutput> {
  await requireMerchant(repositories, merchantId);
  if (
    !/^[0-9a-f-]{36}$/i.test(apiKeyId) ||
    !(await repositories.apiKeys.revoke(merchantId, apiKeyId, new Date()))
  ) {
    throw new UsageError(`no active key ${apiKeyId} for merchant ${merchantId}`);
  }
  return {
    json: { merchantId, apiKeyId, revoked: true },
    text: `Key ${apiKeyId} revoked; it stops working at once.`,
  };
}
