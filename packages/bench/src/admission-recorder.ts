import type { Redis } from 'ioredis';
import { createRedisConnection, discordLimitKey } from '@inflow/queue';
import { testEnv } from '@inflow/testing';
import { maxOf, percentile } from './series';

/**
 * Copies the product's shared Discord limiter (a Redis sorted set of admissions, scored by Redis time,
 * each kept for its ~1 s window) often enough to see every admission, so a run can compare when requests
 * were admitted with when Discord received them.
 */
export class AdmissionRecorder {
  private readonly seen = new Map<string, number>();
  private readonly redis: Redis;
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    prefix: string,
    clientId: string,
    private readonly everyMs = 250,
  ) {
    this.redis = createRedisConnection(testEnv.redisUrl, { purpose: 'client', name: 'bench-admissions' });
    this.key = discordLimitKey(prefix, clientId);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll()).catch(() => undefined);
    }, this.everyMs);
  }

  /** Stops and returns every admission time seen (ms since the epoch, Redis's clock), in order. */
  async stop(): Promise<number[]> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    this.redis.disconnect();
    return [...this.seen.values()].sort((a, b) => a - b);
  }

  private async poll(): Promise<void> {
    const flat = await this.redis.zrange(this.key, '0', '-1', 'WITHSCORES');
    for (let i = 0; i + 1 < flat.length; i += 2) this.seen.set(flat[i]!, Number(flat[i + 1]));
  }
}

/**
 * How late requests reached Discord after their admission, pairing the k-th admission with the k-th
 * arrival (requests go out right after admission, so order is nearly kept). Only meaningful when the
 * counts match; both are returned so a reader can tell.
 */
export function admissionLag(
  admissions: readonly number[],
  arrivals: readonly number[],
): { admissions: number; arrivals: number; p50: number; p99: number; max: number } | null {
  const n = Math.min(admissions.length, arrivals.length);
  if (n === 0) return null;
  const a = [...admissions].sort((x, y) => x - y);
  const b = [...arrivals].sort((x, y) => x - y);
  const lags = Array.from({ length: n }, (_, i) => b[i]! - a[i]!);
  return {
    admissions: admissions.length,
    arrivals: arrivals.length,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: maxOf(lags),
  };
}
