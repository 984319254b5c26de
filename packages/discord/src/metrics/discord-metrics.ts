import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DiscordRequestHooks } from '../rest/discord-transport';

const TEN_MINUTES_MS = 10 * 60 * 1000;

/**
 * Counts this process's invalid requests (401, 403, and 429 other than scope `shared`) over the last ten
 * minutes, the window of Discord's ban threshold (10 000 per IP). One bucket per second keeps it cheap.
 */
export class InvalidRequestWindow {
  private readonly buckets = new Map<number, number>();

  constructor(private readonly now: () => number = Date.now) {}

  record(): void {
    const second = Math.floor(this.now() / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + 1);
  }

  count(): number {
    const oldest = Math.floor((this.now() - TEN_MINUTES_MS) / 1000);
    let total = 0;
    for (const [second, n] of this.buckets) {
      if (second <= oldest) this.buckets.delete(second);
      else total += n;
    }
    return total;
  }
}

/**
 * The Prometheus metrics of a process's Discord traffic, as request hooks for the Discord clients:
 * requests by route template and status, latency, 429s by scope, and the invalid-request count of the
 * last ten minutes.
 */
export function createDiscordMetrics(registry: Registry, now: () => number = Date.now): DiscordRequestHooks {
  const requests = new Counter({
    name: 'discord_requests_total',
    help: 'Discord REST responses, by route template and HTTP status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'discord_request_duration_seconds',
    help: 'Time from sending a Discord request to its response headers',
    labelNames: ['route'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'discord_rate_limited_total',
    help: 'Discord 429 responses, by X-RateLimit-Scope (user, global, shared)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const window = new InvalidRequestWindow(now);
  new Gauge({
    name: 'discord_invalid_requests_10m',
    help: "This process's 401/403/429 responses (429 of scope shared excluded) in the last 10 minutes; Discord bans an IP at 10000",
    registers: [registry],
    collect() {
      this.set(window.count());
    },
  });
  return {
    onResponse: (route, status, durationMs) => {
      requests.inc({ route, status: String(status) });
      latency.observe({ route }, durationMs / 1000);
      if (status === 401 || status === 403) window.record();
    },
    onRateLimited: (event) => {
      rateLimited.inc({ scope: event.scope });
      if (event.scope !== 'shared') window.record();
    },
  };
}
