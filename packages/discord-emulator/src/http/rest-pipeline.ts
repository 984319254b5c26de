import { type IncomingMessage } from 'node:http';
import { DiscordError, DiscordErrors } from '../discord/discord-error';
import { FormErrors } from '../discord/form-errors';
import { isSnowflake } from '../discord/snowflake';
import { type Faults } from '../faults/faults';
import { type OAuthStore } from '../oauth/oauth-store';
import { type RateLimiter, type RateLimitScope, type RouteTake } from '../rate-limit/rate-limiter';
import { type RequestLogEntry, type Stats } from '../stats/stats';
import { type ApiRequest, type ApiResponse, type Principal, type RouteDefinition } from './api-types';
import { type Router } from './router';

/** What the REST pipeline needs besides the routes. */
export interface RestPipelineOptions {
  router: Router;
  limiter: RateLimiter;
  faults: Faults;
  stats: Stats;
  oauth: OAuthStore;
  botToken: string;
  log: (line: string) => void;
  now: () => number;
}

/** The outcome the HTTP server writes: a response, or a socket to destroy without answering. */
export type PipelineResult = { kind: 'respond'; response: ApiResponse } | { kind: 'drop' };

const RATE_LIMITED = 'You are being rate limited.';
const BANNED =
  'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. ' +
  'Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.';

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function rateLimited(
  scope: RateLimitScope,
  retryAfterMs: number,
  extra: Record<string, string> = {},
): ApiResponse {
  const headers: Record<string, string> = {
    ...extra,
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'X-RateLimit-Scope': scope,
  };
  if (scope === 'global') headers['X-RateLimit-Global'] = 'true';
  return {
    status: 429,
    headers,
    body: { message: RATE_LIMITED, retry_after: Number(seconds(retryAfterMs)), global: scope === 'global' },
  };
}

function bucketHeaders(take: RouteTake): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(take.limit),
    'X-RateLimit-Remaining': String(take.remaining),
    'X-RateLimit-Reset': seconds(take.resetAt),
    'X-RateLimit-Reset-After': seconds(take.resetAfterMs),
    'X-RateLimit-Bucket': take.hash,
  };
}

function decodeReason(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string') return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * One REST request through Discord's layers, in Discord's order: faults, IP ban, routing, auth, global
 * limit, path validation, route bucket, handler. Every answer is logged, invalid ones (401, 403, 429
 * except shared) count towards the IP's ban, and bucket headers go on every response of a limited route.
 */
export class RestPipeline {
  constructor(private readonly options: RestPipelineOptions) {}

  async run(
    request: IncomingMessage,
    path: string,
    query: URLSearchParams,
    rawBody: Buffer,
  ): Promise<PipelineResult> {
    const { faults, stats, now } = this.options;
    const method = (request.method ?? 'GET').toUpperCase();
    const ip = request.socket.remoteAddress ?? 'unknown';
    const entry: RequestLogEntry = {
      time: 0,
      method,
      route: path,
      path,
      status: 0,
      code: null,
      auditLogReason: decodeReason(request.headers['x-audit-log-reason']),
      rateLimitScope: null,
      ip,
    };

    const latency = faults.nextLatencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const match = this.options.router.match(method, path);
    if (match.kind === 'matched') entry.route = match.route.template;
    if (match.kind === 'method-not-allowed') entry.route = match.template;

    if (faults.nextDrop()) {
      entry.time = now();
      stats.record(entry);
      return { kind: 'drop' };
    }

    let response: ApiResponse;
    try {
      response = await this.respond(request, match, path, query, rawBody, ip, entry);
    } catch (error) {
      if (!(error instanceof DiscordError)) {
        this.options.log(
          `rest: ${method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      const discordError = error instanceof DiscordError ? error : DiscordErrors.internal();
      response = { status: discordError.status, body: discordError.toBody() };
    }

    if (response.status === 429) {
      entry.rateLimitScope =
        (response.headers?.['X-RateLimit-Scope'] as RateLimitScope | undefined) ?? 'user';
    }
    const invalid =
      response.status === 401 ||
      response.status === 403 ||
      (response.status === 429 && entry.rateLimitScope !== 'shared');
    if (invalid && !this.banned(ip)) {
      const ban = this.options.limiter.recordInvalid(ip, now());
      if (ban)
        this.options.log(
          `rest: ${ip} banned until ${new Date(ban.until).toISOString()} (${ban.invalidCount} invalid requests)`,
        );
    }
    entry.status = response.status;
    const body = response.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object') {
      if (typeof body.code === 'number') entry.code = body.code;
      else if (typeof body.error === 'string') entry.code = body.error;
    }
    entry.time = now();
    stats.record(entry);
    return { kind: 'respond', response };
  }

  private banned(ip: string): boolean {
    return this.options.limiter.banOf(ip, this.options.now()) !== undefined;
  }

  private async respond(
    request: IncomingMessage,
    match: ReturnType<Router['match']>,
    path: string,
    query: URLSearchParams,
    rawBody: Buffer,
    ip: string,
    entry: RequestLogEntry,
  ): Promise<ApiResponse> {
    const { limiter, faults, now } = this.options;
    const ban = limiter.banOf(ip, now());
    if (ban) {
      const response = rateLimited('global', ban.until - now());
      response.body = { ...(response.body as object), message: BANNED, code: 0 };
      return response;
    }
    if (match.kind === 'not-found') throw DiscordErrors.notFound();
    if (match.kind === 'method-not-allowed') throw DiscordErrors.methodNotAllowed();
    const { route, params } = match;

    const serverError = faults.nextServerError();
    if (serverError !== undefined) {
      return { status: serverError, body: { message: `${serverError}: Injected server error`, code: 0 } };
    }

    const principal = this.authenticate(request.headers.authorization, route);
    const storm = faults.activeStorm(route.template);
    if (storm) return rateLimited(storm.scope, storm.retryAfterMs);

    const identity =
      principal.kind === 'bot'
        ? `bot:${this.options.botToken}`
        : principal.kind === 'bearer'
          ? `bearer:${principal.grant.accessToken}`
          : `ip:${ip}`;
    const global = limiter.takeGlobal(identity, now());
    if (!global.allowed) return rateLimited('global', global.resetAfterMs);

    let take: RouteTake | undefined;
    if (route.limit) {
      const major = route.majorParameter === null ? '' : (params[route.majorParameter] ?? '');
      take = limiter.takeRoute(identity, route.limit, major, now());
      if (!take.allowed) return rateLimited('user', take.resetAfterMs, bucketHeaders(take));
    }
    const withBucket = (response: ApiResponse): ApiResponse =>
      take ? { ...response, headers: { ...bucketHeaders(take), ...response.headers } } : response;

    try {
      this.validatePathParams(params);
      const apiRequest: ApiRequest = {
        method: entry.method,
        path,
        params,
        query,
        headers: request.headers,
        rawBody,
        ip,
        principal,
      };
      return withBucket(await route.handle(apiRequest));
    } catch (error) {
      if (error instanceof DiscordError) return withBucket({ status: error.status, body: error.toBody() });
      throw error;
    }
  }

  // Discord validates every `*_id` path segment as a snowflake before looking anything up: 400 50035.
  private validatePathParams(params: Readonly<Record<string, string>>): void {
    const errors = new FormErrors();
    for (const [name, value] of Object.entries(params)) {
      if (name.endsWith('_id') && !isSnowflake(value)) {
        errors.add([name], { code: 'NUMBER_TYPE_COERCE', message: `Value "${value}" is not snowflake.` });
      }
    }
    if (!errors.isEmpty) throw DiscordErrors.invalidFormBody(errors.toTree());
  }

  private authenticate(header: string | undefined, route: RouteDefinition): Principal {
    if (route.auth === 'none') return { kind: 'anonymous' };
    let principal: Principal = { kind: 'anonymous' };
    if (header?.startsWith('Bot ')) {
      if (header.slice(4) !== this.options.botToken) throw DiscordErrors.unauthorized();
      principal = { kind: 'bot' };
    } else if (header?.startsWith('Bearer ')) {
      const grant = this.options.oauth.liveAccessToken(header.slice(7));
      if (!grant) throw DiscordErrors.unauthorized();
      principal = { kind: 'bearer', grant };
    }
    const accepted =
      (principal.kind === 'bot' && (route.auth === 'bot' || route.auth === 'bot-or-bearer')) ||
      (principal.kind === 'bearer' && (route.auth === 'bearer' || route.auth === 'bot-or-bearer'));
    if (!accepted) throw DiscordErrors.unauthorized();
    return principal;
  }
}
