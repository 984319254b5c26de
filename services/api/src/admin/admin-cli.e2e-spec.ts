import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, startNode, type TestDatabase } from '@inflow/testing';
import { hashApiKey } from '../auth/api-key';

async function admin(url: string, ...args: string[]) {
  const cli = startNode(['services/api/dist/admin/main.js', ...args], { DATABASE_URL: url });
  const code = await cli.exited;
  return { code, stdout: cli.stdout.join('\n'), stderr: cli.stderr.join('\n') };
}

describe('pnpm admin', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });

  afterAll(async () => {
    await t.drop();
  });

  it('merchant create --name Acme --json prints {merchantId, apiKey} and stores only the key hash', async () => {
    const result = await admin(t.url, 'merchant', 'create', '--name', 'Acme', '--json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const output = JSON.parse(result.stdout) as { merchantId: string; apiKey: string };
    expect(Object.keys(output).sort()).toEqual(['apiKey', 'merchantId']);
    expect(output.apiKey).toMatch(/^inflow_priv_[A-Za-z0-9_-]{43}$/);

    const owner = await t.db.repositories.apiKeys.findActiveByHash(hashApiKey(output.apiKey));
    expect(owner?.merchantId).toBe(output.merchantId);
    const keys = await t.db.repositories.apiKeys.listForMerchant(output.merchantId);
    expect(keys).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(output.apiKey.slice(12));
  });

  it('rotates keys: a new key works, the revoked one stops', async () => {
    const created = JSON.parse(
      (await admin(t.url, 'merchant', 'create', '--name', 'Rotate', '--json')).stdout,
    ) as {
      merchantId: string;
      apiKey: string;
    };
    const second = JSON.parse(
      (await admin(t.url, 'key', 'create', '--merchant', created.merchantId, '--json')).stdout,
    ) as {
      apiKeyId: string;
      apiKey: string;
    };
    const first = await t.db.repositories.apiKeys.findActiveByHash(hashApiKey(created.apiKey));
    const revoked = await admin(
      t.url,
      'key',
      'revoke',
      '--merchant',
      created.merchantId,
      '--key',
      first!.apiKeyId,
      '--json',
    );
    expect(revoked.code).toBe(0);
    expect(await t.db.repositories.apiKeys.findActiveByHash(hashApiKey(created.apiKey))).toBeNull();
    expect((await t.db.repositories.apiKeys.findActiveByHash(hashApiKey(second.apiKey)))?.apiKeyId).toBe(
      second.apiKeyId,
    );
  });

  it('explains a usage mistake in one line plus the usage, with exit code 2', async () => {
    const result = await admin(t.url, 'merchant', 'create', '--json');
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('admin: merchant create needs --name');
    expect(result.stdout).toBe('');
  });
});
