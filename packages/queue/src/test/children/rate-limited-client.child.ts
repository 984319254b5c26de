/*
 * One process sharing the Discord limiter: from START_AT for DURATION_MS, CONCURRENCY loops each
 * acquire, as a request about to be sent would, and record the admission time the limiter returns.
 * Sends the times to the parent and exits. Env: REDIS_URL, LIMITER_KEY, PER_SECOND, START_AT, DURATION_MS, CONCURRENCY.
 */
import { createDiscordRateLimiter } from '../../discord-rate-limiter';
import { createRedisConnection } from '../../redis-connection';

async function main(): Promise<void> {
  const redis = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    purpose: 'client',
    name: 'rate-limited-client-child',
  });
  // A fail-fast connection rejects commands until it is ready; the limiter would fall back meanwhile.
  if (redis.status !== 'ready') {
    await new Promise((resolve) => redis.once('ready', resolve));
  }
  const limiter = createDiscordRateLimiter({
    redis,
    key: process.env.LIMITER_KEY ?? 'missing-key',
    perSecond: Number(process.env.PER_SECOND),
    onFallback: (error) => process.send?.({ type: 'fallback', message: error.message }),
  });
  const startAt = Number(process.env.START_AT);
  const endAt = startAt + Number(process.env.DURATION_MS);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const admittedAt: number[] = [];
  const loops = Array.from({ length: Number(process.env.CONCURRENCY ?? 1) }, async () => {
    while (Date.now() < endAt) {
      admittedAt.push(await limiter.acquire());
    }
  });
  await Promise.all(loops);
  await redis.quit();
  process.send?.({ type: 'done', admittedAt }, () => process.exit(0));
}

void main();
