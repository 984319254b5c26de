import { describe, expect, it } from '@jest/globals';
import { envSpec, SERVICES } from './service-env-catalog';

// The catalog reads env.ts as source text; these pin what it must find there, so a reader that silently
// lost fields (and so passed every manifest) would fail here first.
describe('the env.ts catalog', () => {
  it('finds the fields every worker shares through workerEnvFields, with their defaults', () => {
    for (const service of SERVICES) {
      const spec = envSpec(service);
      for (const name of [
        'DATABASE_URL',
        'REDIS_URL',
        'PORT',
        'LOG_LEVEL',
        'QUEUE_PREFIX',
        'SHUTDOWN_TIMEOUT_MS',
      ]) {
        expect({ service, name, read: spec.names.has(name) }).toEqual({ service, name, read: true });
        expect({ service, name, required: spec.required.has(name) }).toEqual({
          service,
          name,
          required: false,
        });
      }
    }
  });

  it('tells required variables from those with a default or optional', () => {
    expect([...envSpec('api').required].sort()).toEqual([
      'DISCORD_BOT_TOKEN',
      'DISCORD_CLIENT_ID',
      'DISCORD_CLIENT_SECRET',
      'TOKEN_ENCRYPTION_KEY',
    ]);
    expect([...envSpec('gateway-worker').required].sort()).toEqual([
      'DISCORD_BOT_TOKEN',
      'DISCORD_CLIENT_ID',
    ]);
    expect([...envSpec('role-sync-worker').required].sort()).toEqual([
      'DISCORD_BOT_TOKEN',
      'DISCORD_CLIENT_ID',
      'DISCORD_CLIENT_SECRET',
      'TOKEN_ENCRYPTION_KEY',
    ]);
    expect([...envSpec('cleanup-worker').required]).toEqual([]);
    for (const optional of ['SHARD_COUNT', 'SHARD_IDS', 'DISCORD_GATEWAY_URL']) {
      expect(envSpec('gateway-worker').names.has(optional)).toBe(true);
      expect(envSpec('gateway-worker').required.has(optional)).toBe(false);
    }
  });

  it('reads the one-shot commands too: the migration and the admin CLI need only DATABASE_URL', () => {
    expect([...envSpec('migrate').names]).toEqual(['DATABASE_URL']);
    expect([...envSpec('admin').names]).toEqual(['DATABASE_URL']);
    expect(envSpec('migrate').required.size).toBe(0);
  });

  it('knows each service’s own variables and nothing of the others’', () => {
    expect(envSpec('cleanup-worker').names.has('CLEANUP_INTERVAL_MS')).toBe(true);
    expect(envSpec('cleanup-worker').names.has('DISCORD_BOT_TOKEN')).toBe(false);
    expect(envSpec('api').names.has('PUBLIC_URL')).toBe(true);
    expect(envSpec('role-sync-worker').names.has('PUBLIC_URL')).toBe(false);
    expect(envSpec('notification-worker').names.has('NOTIFICATION_LOCALE')).toBe(true);
  });
});
