import { DefaultRestOptions, type RESTOptions, type ResponseLike } from '@discordjs/rest';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RateLimitScope } from '../errors/discord-error-class';
import { DiscordNetworkError, networkErrorCode } from './network-error';
import { routeTemplate } from './route-template';

/**
 * The shared (Redis-backed) limiter every process using the bot token takes a slot from before each
 * HTTP request. `createDiscordRateLimiter` from @inflow/queue fits; so does anything with `acquire`.
 */
export interface GlobalRateLimiter {
  /** Resolves when one more request may be sent. */
  acquire(): Promise<unknown>;
}

/** A 429 Discord answered. */
export interface RateLimitedEvent {
  route: string;
  scope: RateLimitScope;
  global: boolean;
  /** How long Discord asked to wait. */
  retryAfterMs: number;
}

/** Metric hooks. They run on the request path, so they must be cheap; what they throw is ignored. */
export interface DiscordRequestHooks {
  /** Every HTTP response, retries included: route template, status, milliseconds until the headers arrived. */
  onResponse?: (route: string, status: number, durationMs: number) => void;
  /** Every 429 response (@discordjs/rest then waits and retries it). */
  onRateLimited?: (event: RateLimitedEvent) => void;
  /**
   * Invalid requests (401, 403, 429) counted by @discordjs/rest in its 10-minute window, once per
   * `invalidRequestWarningInterval`. Discord bans an IP at 10 000 per 10 minutes.
   */
  onInvalidRequestWarning?: (count: number) => void;
}

/** @discordjs/rest's `makeRequest` signature. */
export type MakeRequest = RESTOptions['makeRequest'];
type RequestInit = Parameters<MakeRequest>[1];

export interface DiscordTransportOptions {
  /** Awaited before every attempt; none for calls that do not spend the bot token's global limit. */
  limiter?: GlobalRateLimiter;
  /** Per attempt, from the moment the limiter admitted it until the response headers arrive. */
  timeoutMs: number;
  /** Network failures (no response) are retried this many times. */
  retries: number;
  hooks: DiscordRequestHooks;
  /** Sends one HTTP request; @discordjs/rest's default (undici) unless a test injects another. */
  send?: MakeRequest;
  now?: () => number;
}

/** Backoff before retrying after a network failure: 100 ms, 200 ms, 400 ms … at most 2 s. */
function networkRetryDelayMs(attempt: number): number {
  return Math.min(2_000, 100 * 2 ** attempt);
}

function callHook(hook: () => void): void {
  try {
    hook();
  } catch {
    // A broken metric must not fail a Discord call.
  }
}

function rateLimitedEvent(route: string, response: ResponseLike): RateLimitedEvent {
  const headers = response.headers;
  const scopeHeader = headers.get('x-ratelimit-scope');
  const scope: RateLimitScope = scopeHeader === 'global' || scopeHeader === 'shared' ? scopeHeader : 'user';
  const global = headers.has('x-ratelimit-global') || scope === 'global';
  // Reset-After has millisecond decimals; Retry-After is whole seconds.
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  const retryAfter = Number(headers.get('retry-after'));
  const retryAfterMs =
    Number.isFinite(resetAfter) && resetAfter > 0
      ? Math.ceil(resetAfter * 1000)
      : Number.isFinite(retryAfter)
        ? retryAfter * 1000
        : 0;
  return { route, scope, global, retryAfterMs };
}

/**
 * The function @discordjs/rest calls for every HTTP request it sends, its own retries included. Per
 * attempt it first takes a slot from the shared limiter, so all processes together stay within the
 * global limit while @discordjs/rest keeps handling route buckets; then it sends with a timeout that
 * starts only after admission (a long wait for the limiter is not a slow Discord).
 *
 * Network failures are retried here rather than by @discordjs/rest: its check (`error instanceof Error`)
 * fails for Node's socket errors whenever they come from another realm, as under Jest, and its timeout
 * would count the limiter's wait. What is left after the retries is a {@link DiscordNetworkError}.
 */
export function createDiscordTransport(options: DiscordTransportOptions): MakeRequest {
  const send = options.send ?? DefaultRestOptions.makeRequest;
  const now = options.now ?? Date.now;
  const { hooks } = options;

  return async (url: string, init: RequestInit): Promise<ResponseLike> => {
    const route = routeTemplate(url);
    for (let attempt = 0; ; attempt += 1) {
      await options.limiter?.acquire();
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      const parent = init.signal;
      const abort = (): void => controller.abort();
      if (parent?.aborted) controller.abort();
      else parent?.addEventListener('abort', abort, { once: true });
      const startedAt = now();
      try {
        const response = await send(url, { ...init, signal: controller.signal });
        const durationMs = now() - startedAt;
        callHook(() => hooks.onResponse?.(route, response.status, durationMs));
        if (response.status === 429) {
          const event = rateLimitedEvent(route, response);
          callHook(() => hooks.onRateLimited?.(event));
        }
        return response;
      } catch (error) {
        if (parent?.aborted) throw error;
        const code = timedOut ? 'TIMEOUT' : networkErrorCode(error);
        if (code === undefined) throw error;
        if (attempt >= options.retries) throw new DiscordNetworkError(code, attempt + 1, { cause: error });
      } finally {
        clearTimeout(timer);
        parent?.removeEventListener('abort', abort);
      }
      await sleep(networkRetryDelayMs(attempt));
    }
  };
}
