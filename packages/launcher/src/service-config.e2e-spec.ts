import { describe, expect, it } from '@jest/globals';
import { startNode } from '@inflow/testing';
import { SERVICES } from './services';

describe('a service with bad configuration', () => {
  it.each(SERVICES.map((service) => [service.name, service.entry] as const))(
    '%s stops at start with one clear line and no stack trace',
    async (name, entry) => {
      const service = startNode([require.resolve(entry)], {
        REDIS_URL: 'nonsense',
        PORT: 'eighty',
        DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/inflow',
        // Everything else valid, so that the message names exactly the two bad variables.
        DISCORD_BOT_TOKEN: 'token',
        DISCORD_CLIENT_ID: '123456789012345678',
        DISCORD_CLIENT_SECRET: 'secret',
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      expect(await service.exited).toBe(78);
      expect(service.stdout).toEqual([]);
      expect(service.stderr).toEqual([
        `${name}: invalid configuration: REDIS_URL must be a redis:// or rediss:// URL; PORT must be an integer between 1 and 65535`,
      ]);
    },
  );
});
