import { type RateLimitScope } from '../rate-limit/rate-limiter';

/** What the gateway must offer for gateway faults; the gateway server implements it. */
export interface GatewayFaultTarget {
  /** Destroys every gateway socket without a close frame (the client sees 1006). Returns how many. */
  dropConnections(): number;
  /** Sends op 7 RECONNECT to every session. Returns how many. */
  requestReconnect(): number;
  /** Sends op 9 INVALID_SESSION with `d: resumable` to every session. Returns how many. */
  invalidateSessions(resumable: boolean): number;
}

export interface LatencyFault {
  minMs: number;
  maxMs: number;
}

export interface ServerErrorFault {
  /** Share of REST requests answered with a 5xx, 0..1. */
  rate: number;
  statuses: number[];
}

export interface RateLimitStorm {
  scope: RateLimitScope;
  until: number;
  /** Retry-After announced on each 429 of the storm. */
  retryAfterMs: number;
  /** Only requests whose route template contains this string; all REST routes when absent. */
  route: string | null;
}

export interface DropFault {
  /** Share of REST requests whose socket is destroyed without a response, 0..1. */
  rate: number;
  /** Stop after this many drops; unlimited when null. */
  remaining: number | null;
}

export interface FaultsSnapshot {
  latency: LatencyFault | null;
  serverErrors: ServerErrorFault | null;
  storm: RateLimitStorm | null;
  drop: DropFault | null;
}

/**
 * Fault injection for the REST API (latency, 5xx, 429 storms, dropped sockets) and the gateway
 * (dropped connections, forced RECONNECT / INVALID_SESSION). Randomness and time are injected.
 */
export class Faults {
  private latency: LatencyFault | null = null;
  private serverErrors: ServerErrorFault | null = null;
  private storm: RateLimitStorm | null = null;
  private drop: DropFault | null = null;
  private gateway: GatewayFaultTarget | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** Connects the gateway server; done once by the emulator. */
  attachGateway(target: GatewayFaultTarget): void {
    this.gateway = target;
  }

  /** Adds latency to every REST response: a fixed `ms`, or uniformly random in [minMs, maxMs]. */
  setLatency(latency: number | LatencyFault | null): void {
    if (latency === null) {
      this.latency = null;
      return;
    }
    const value = typeof latency === 'number' ? { minMs: latency, maxMs: latency } : latency;
    if (!(value.minMs >= 0 && value.maxMs >= value.minMs))
      throw new RangeError('latency needs 0 ≤ minMs ≤ maxMs');
    this.latency = { ...value };
  }

  /** Answers a share of REST requests with 5xx (default 500, 502, 503 and 504 in turn at random). */
  setServerErrorRate(rate: number, statuses: number[] = [500, 502, 503, 504]): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError('rate must be within 0..1');
    if (statuses.length === 0 || statuses.some((status) => status < 500 || status > 599)) {
      throw new RangeError('statuses must be 5xx codes');
    }
    this.serverErrors = rate === 0 ? null : { rate, statuses: [...statuses] };
  }

  /** Every matching REST request gets a 429 of `scope` for `durationMs`. */
  startRateLimitStorm(input: {
    scope: RateLimitScope;
    durationMs: number;
    retryAfterMs?: number;
    route?: string;
  }): RateLimitStorm {
    if (!(input.durationMs > 0)) throw new RangeError('durationMs must be > 0');
    this.storm = {
      scope: input.scope,
      until: this.now() + input.durationMs,
      retryAfterMs: input.retryAfterMs ?? Math.min(input.durationMs, 1000),
      route: input.route ?? null,
    };
    return { ...this.storm };
  }

  /** Destroys the socket of a share of REST requests (default all), optionally only the next `count`. */
  dropHttpConnections(input: { rate?: number; count?: number } = {}): void {
    const rate = input.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError('rate must be within 0..1');
    this.drop = rate === 0 ? null : { rate, remaining: input.count ?? null };
  }

  dropGatewayConnections(): number {
    return this.requireGateway().dropConnections();
  }

  forceReconnect(): number {
    return this.requireGateway().requestReconnect();
  }

  forceInvalidSession(resumable = false): number {
    return this.requireGateway().invalidateSessions(resumable);
  }

  /** Removes every REST fault. */
  clear(): void {
    this.latency = null;
    this.serverErrors = null;
    this.storm = null;
    this.drop = null;
  }

  snapshot(): FaultsSnapshot {
    return {
      latency: this.latency && { ...this.latency },
      serverErrors: this.serverErrors && { ...this.serverErrors, statuses: [...this.serverErrors.statuses] },
      storm: this.activeStorm() ?? null,
      drop: this.drop && { ...this.drop },
    };
  }

  // ---- decisions, asked by the HTTP server per request -------------------------------------------

  nextLatencyMs(): number {
    if (!this.latency) return 0;
    const { minMs, maxMs } = this.latency;
    return minMs + this.random() * (maxMs - minMs);
  }

  /** A 5xx status to answer with, or undefined. */
  nextServerError(): number | undefined {
    if (!this.serverErrors || this.random() >= this.serverErrors.rate) return undefined;
    const { statuses } = this.serverErrors;
    return statuses[Math.floor(this.random() * statuses.length)] ?? statuses[0];
  }

  /** The storm applying to `route` right now, if any. */
  activeStorm(route?: string): RateLimitStorm | undefined {
    if (!this.storm) return undefined;
    if (this.storm.until <= this.now()) {
      this.storm = null;
      return undefined;
    }
    if (route !== undefined && this.storm.route !== null && !route.includes(this.storm.route))
      return undefined;
    return { ...this.storm };
  }

  nextDrop(): boolean {
    if (!this.drop || this.random() >= this.drop.rate) return false;
    if (this.drop.remaining !== null) {
      this.drop.remaining -= 1;
      if (this.drop.remaining <= 0) this.drop = null;
    }
    return true;
  }

  private requireGateway(): GatewayFaultTarget {
    if (!this.gateway) throw new Error('no gateway attached to the fault injector');
    return this.gateway;
  }
}
