/*
 * One worker process of the shared-limiter test: a DiscordBotClient on the real Redis limiter sends
 * REQUESTS `GET /guilds/{id}` (round-robin over GUILD_IDS, CONCURRENCY at a time) from START_AT, then
 * reports how many succeeded to the parent over IPC and exits.
 * Env: REDIS_URL, LIMITER_KEY, PER_SECOND, API_URL, BOT_TOKEN, GUILD_IDS, REQUESTS, CONCURRENCY, START_AT.
 */
import { createDiscordRateLimiter, createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import { DiscordBotClient } from '../../rest/discord-bot.client';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const redis = createRedisConnection(env('REDIS_URL'), { purpose: 'client', name: 'discord-limiter-child' });
  await waitUntilRedisReady(redis, 5_000);
  let fallbacks = 0;
  const limiter = createDiscordRateLimiter({
    redis,
    key: env('LIMITER_KEY'),
    perSecond: Number(env('PER_SECOND')),
    onFallback: () => (fallbacks += 1),
  });
  const bot = new DiscordBotClient({ apiBaseUrl: env('API_URL'), token: env('BOT_TOKEN'), limiter });
  const guildIds = env('GUILD_IDS').split(',');
  const total = Number(env('REQUESTS'));
  let next = 0;
  let succeeded = 0;
  const failures: string[] = [];

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(env('START_AT')) - Date.now())));
  const loops = Array.from({ length: Number(env('CONCURRENCY')) }, async () => {
    while (next < total) {
      const guildId = guildIds[next % guildIds.length]!;
      next += 1;
      try {
        await bot.getGuild(guildId);
        succeeded += 1;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  });
  await Promise.all(loops);
  await redis.quit();
  process.send?.({ type: 'done', succeeded, failures, fallbacks }, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
