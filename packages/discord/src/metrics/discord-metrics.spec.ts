import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createDiscordMetrics, InvalidRequestWindow } from './discord-metrics';

describe('InvalidRequestWindow', () => {
  it('counts the last ten minutes only', () => {
    let now = 0;
    const window = new InvalidRequestWindow(() => now);
    window.record();
    now = 5 * 60_000;
    window.record();
    window.record();
    expect(window.count()).toBe(3);
    now = 10 * 60_000 + 1000;
    expect(window.count()).toBe(2);
    now = 16 * 60_000;
    expect(window.count()).toBe(0);
  });
});

describe('createDiscordMetrics', () => {
  it('counts requests by route and status, 429s by scope, and invalid requests (shared 429s excluded)', async () => {
    const registry = new Registry();
    const hooks = createDiscordMetrics(registry);
    hooks.onResponse?.('/guilds/{guild_id}/members/{user_id}/roles/{role_id}', 204, 40);
    hooks.onResponse?.('/guilds/{guild_id}/members/{user_id}/roles/{role_id}', 403, 30);
    hooks.onRateLimited?.({ route: '/x', scope: 'shared', global: false, retryAfterMs: 100 });
    hooks.onRateLimited?.({ route: '/x', scope: 'user', global: false, retryAfterMs: 100 });
    const text = await registry.metrics();
    expect(text).toContain(
      'discord_requests_total{route="/guilds/{guild_id}/members/{user_id}/roles/{role_id}",status="204"} 1',
    );
    expect(text).toContain('discord_rate_limited_total{scope="shared"} 1');
    expect(text).toContain('discord_invalid_requests_10m 2');
  });
});
