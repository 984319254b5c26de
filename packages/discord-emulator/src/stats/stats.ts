import { type BanRecord, type RateLimitScope } from '../rate-limit/rate-limiter';

/** One REST or OAuth request as the emulator answered it. */
export interface RequestLogEntry {
  /** Milliseconds since the Unix epoch when the response was sent. */
  time: number;
  method: string;
  /** Route template, e.g. `/guilds/{guild_id}/members/{user_id}/roles/{role_id}`; the raw path when unmatched. */
  route: string;
  path: string;
  /** HTTP status; 0 when the connection was dropped on purpose. */
  status: number;
  /** Discord JSON error code, or the OAuth `error` string, when the response carried one. */
  code: number | string | null;
  /** `X-Audit-Log-Reason`, URL-decoded. */
  auditLogReason: string | null;
  /** Scope of a 429, null otherwise. */
  rateLimitScope: RateLimitScope | null;
  ip: string;
}

export interface RequestFilter {
  method?: string;
  route?: string;
  status?: number;
  code?: number | string;
  since?: number;
}

export interface StatsSnapshot {
  totalRequests: number;
  /** `"METHOD /route/template"` → status → count. */
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
  rateLimited: Record<RateLimitScope, number>;
  /** Invalid requests (401, 403, 429 except shared) in the current sliding window, over all IPs. */
  invalidRequestsInWindow: number;
  bans: BanRecord[];
}

/** Where stats read the limiter's live numbers from. */
export interface InvalidRequestSource {
  invalidCount(now: number): number;
  bans(): readonly BanRecord[];
}

/** Request counters and the ordered request log. */
export class Stats {
  private readonly log: RequestLogEntry[] = [];
  private total = 0;
  private routes: Record<string, Record<string, number>> = {};
  private statuses: Record<string, number> = {};
  private limited: Record<RateLimitScope, number> = { user: 0, global: 0, shared: 0 };

  constructor(
    private readonly source: InvalidRequestSource,
    private readonly now: () => number = Date.now,
    private readonly maxLogEntries = 100_000,
  ) {}

  record(entry: RequestLogEntry): void {
    this.total += 1;
    const routeKey = `${entry.method} ${entry.route}`;
    const byStatus = (this.routes[routeKey] ??= {});
    byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
    this.statuses[entry.status] = (this.statuses[entry.status] ?? 0) + 1;
    if (entry.rateLimitScope) this.limited[entry.rateLimitScope] += 1;
    this.log.push(entry);
    // Benchmarks run long; keep the newest entries rather than growing without bound.
    if (this.log.length > this.maxLogEntries) this.log.splice(0, this.log.length - this.maxLogEntries);
  }

  get totalRequests(): number {
    return this.total;
  }

  /** Log entries in order, optionally filtered (route matches the template or the path, as a substring). */
  requests(filter: RequestFilter = {}): RequestLogEntry[] {
    return this.log
      .filter(
        (entry) =>
          (filter.method === undefined || entry.method === filter.method.toUpperCase()) &&
          (filter.route === undefined ||
            entry.route.includes(filter.route) ||
            entry.path.includes(filter.route)) &&
          (filter.status === undefined || entry.status === filter.status) &&
          (filter.code === undefined || entry.code === filter.code) &&
          (filter.since === undefined || entry.time >= filter.since),
      )
      .map((entry) => ({ ...entry }));
  }

  snapshot(): StatsSnapshot {
    return {
      totalRequests: this.total,
      byRoute: structuredClone(this.routes),
      byStatus: { ...this.statuses },
      rateLimited: { ...this.limited },
      invalidRequestsInWindow: this.source.invalidCount(this.now()),
      bans: this.source.bans().map((ban) => ({ ...ban })),
    };
  }

  /** Clears counters and the log (bans and rate-limit windows stay: they belong to the limiter). */
  reset(): void {
    this.log.length = 0;
    this.total = 0;
    this.routes = {};
    this.statuses = {};
    this.limited = { user: 0, global: 0, shared: 0 };
  }
}
