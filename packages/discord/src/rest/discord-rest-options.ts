import { type DiscordRequestHooks } from './discord-transport';

/** Options every Discord client of this package takes. */
export interface DiscordRestOptions {
  /** REST base without version (DESIGN's `DISCORD_API_URL`), e.g. `https://discord.com/api`; `/v10` is added. */
  apiBaseUrl: string;
  /** Retries after a 5xx or a network failure (429s are waited out and not counted). Default 3. */
  retries?: number;
  /** Per-attempt timeout in ms, counted from the moment the request may be sent. Default 15 000. */
  timeoutMs?: number;
  /** Metric hooks. */
  hooks?: DiscordRequestHooks;
}

export const DEFAULT_RETRIES = 3;
export const DEFAULT_TIMEOUT_MS = 15_000;

// @discordjs/rest's own timeout would also run while the shared limiter makes a request wait; the
// transport times each attempt instead. The largest delay setTimeout accepts (~24.8 days) turns it off.
export const REST_TIMEOUT_DISABLED = 2 ** 31 - 1;

/** Checked defaults: a typo in configuration fails at construction, not on the first call. */
export function resolveRestOptions(options: DiscordRestOptions): Required<DiscordRestOptions> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retries must be an integer ≥ 0, got ${retries}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > REST_TIMEOUT_DISABLED)
    throw new RangeError(`timeoutMs must be within 1..${REST_TIMEOUT_DISABLED}, got ${timeoutMs}`);
  const url = new URL(options.apiBaseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RangeError(`apiBaseUrl must be http(s), got ${options.apiBaseUrl}`);
  if (/\/v\d+\/?$/.test(url.pathname))
    throw new RangeError(
      `apiBaseUrl must not include the API version (it is added), got ${options.apiBaseUrl}`,
    );
  return {
    apiBaseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
    retries,
    timeoutMs,
    hooks: options.hooks ?? {},
  };
}
