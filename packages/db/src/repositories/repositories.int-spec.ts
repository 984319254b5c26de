import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@inflow/testing';

const hash = (key: string) => createHash('sha256').update(key).digest();

describe('repositories', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });

  afterAll(async () => {
    await t.drop();
  });

  describe('merchants and API keys', () => {
    it('creates a merchant with a key, finds the merchant by the key hash, and stops at revocation', async () => {
      const { merchant, apiKeyId } = await t.db.repositories.merchants.createWithApiKey('Acme', {
        keyHash: hash('inflow_priv_one'),
        keyPrefix: 'inflow_priv_one',
      });
      expect(merchant).toMatchObject({
        name: 'Acme',
        duplicateDiscordLinkPolicy: 'allow',
        massRemovalThreshold: 0.5,
      });
      const keys = t.db.repositories.apiKeys;
      expect(await keys.findActiveByHash(hash('inflow_priv_one'))).toEqual({
        apiKeyId,
        merchantId: merchant.id,
      });
      expect(await keys.findActiveByHash(hash('inflow_priv_other'))).toBeNull();
      expect(
        await keys.findActiveByHashes([
          hash('inflow_priv_other'),
          hash('inflow_priv_one'),
          hash('inflow_priv_one'),
        ]),
      ).toEqual([null, { apiKeyId, merchantId: merchant.id }, { apiKeyId, merchantId: merchant.id }]);

      const other = await t.db.repositories.merchants.createWithApiKey('Other', {
        keyHash: hash('k2'),
        keyPrefix: 'k2',
      });
      expect(await keys.revoke(other.merchant.id, apiKeyId, new Date())).toBe(false);
      expect(await keys.revoke(merchant.id, apiKeyId, new Date())).toBe(true);
      expect(await keys.findActiveByHash(hash('inflow_priv_one'))).toBeNull();
    });

    it('writes nothing when the key cannot be stored', async () => {
      await t.db.repositories.merchants.createWithApiKey('First', { keyHash: hash('dup'), keyPrefix: 'dup' });
      await expect(
        t.db.repositories.merchants.createWithApiKey('Second', { keyHash: hash('dup'), keyPrefix: 'dup' }),
      ).rejects.toThrow(/duplicate key/);
      const client = new Client({ connectionString: t.url });
      await client.connect();
      const second = await client.query(`SELECT count(*)::int AS n FROM merchant WHERE name = 'Second'`);
      await client.end();
      expect(second.rows[0]).toEqual({ n: 0 });
    });
  });

  describe('outbox', () => {
    it('publishes each row exactly once with relays running side by side', async () => {
      const rows = Array.from({ length: 200 }, (_, i) => ({
        jobName: 'role-sync.member',
        payload: { n: i },
      }));
      await t.db.transaction((repos) => repos.outbox.add(rows));
      const seen: number[] = [];
      const relay = async () => {
        for (;;) {
          const published = await t.db.repositories.outbox.publishBatch(7, async (batch) => {
            await new Promise((resolve) => setTimeout(resolve, 2));
            for (const row of batch) seen.push((row.payload as { n: number }).n);
          });
          if (published === 0) return;
        }
      };
      await Promise.all([relay(), relay(), relay()]);
      expect(seen.sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
      expect(await t.db.repositories.outbox.lag()).toEqual({ pending: 0, oldestAgeSeconds: 0 });
    });

    it('keeps rows whose publication failed, and commits nothing written in a rolled back transaction', async () => {
      await t.db.repositories.outbox.add([{ jobName: 'notification.send', payload: { a: 1 } }]);
      await expect(
        t.db.repositories.outbox.publishBatch(10, () => Promise.reject(new Error('redis down'))),
      ).rejects.toThrow('redis down');
      expect((await t.db.repositories.outbox.lag()).pending).toBe(1);
      // The failed batch rolled back on its own connection before giving it back to the pool.
      const [open] = await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(open).toEqual({ n: 0 });

      await expect(
        t.db.transaction(async (repos) => {
          await repos.outbox.add([{ jobName: 'notification.send', payload: { a: 2 } }]);
          throw new Error('state change failed');
        }),
      ).rejects.toThrow('state change failed');
      expect((await t.db.repositories.outbox.lag()).pending).toBe(1);

      const published: unknown[] = [];
      await t.db.repositories.outbox.publishBatch(10, (batch) => {
        published.push(...batch.map((row) => row.payload));
        return Promise.resolve();
      });
      expect(published).toEqual([{ a: 1 }]);
    });

    it('publishes the oldest rows first, by number, not by the text of their ids', async () => {
      // The twelve new ids cross 999,999 → 1,000,000, which as text sort the other way round.
      await t.sql(`SELECT setval(pg_get_serial_sequence('outbox', 'id'), 999994)`);
      await t.db.repositories.outbox.add(
        Array.from({ length: 12 }, (_, n) => ({ jobName: 'notification.send', payload: { order: n } })),
      );
      const ids: bigint[] = [];
      for (;;) {
        const published = await t.db.repositories.outbox.publishBatch(1, (batch) => {
          ids.push(...batch.map((row) => BigInt(row.id)));
          return Promise.resolve();
        });
        if (published === 0) break;
      }
      expect(ids).toEqual(Array.from({ length: 12 }, (_, n) => 999995n + BigInt(n)));
    });

    it('refuses a limit that is not a positive integer, before touching the database', async () => {
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await expect(t.db.repositories.outbox.publishBatch(limit, () => Promise.resolve())).rejects.toThrow(
          RangeError,
        );
      }
    });

    it('parks a row that can never be published', async () => {
      await t.db.repositories.outbox.add([{ jobName: 'no.such-job', payload: {} }]);
      let id = '';
      await t.db.repositories.outbox
        .publishBatch(10, (batch) => {
          id = batch[0]!.id;
          return Promise.reject(new Error('unknown job'));
        })
        .catch(() => undefined);
      await t.db.repositories.outbox.markDead(id, 'unknown job name');
      expect((await t.db.repositories.outbox.lag()).pending).toBe(0);
    });
  });
});
