import type { DiscordEmulator, RequestLogEntry } from '@inflow/discord-emulator';

/** What the product sent Discord over a scenario, as the emulator answered it. */
export interface DiscordTraffic {
  requests: number;
  /** 401, 403 and 429 except `shared`: what Discord counts towards its ban (10,000 per 10 minutes per IP). */
  invalid: number;
  unauthorized: number;
  forbidden: number;
  notFound: number;
  rateLimited: { user: number; global: number; shared: number };
  /** 5xx answers (injected by the scenario or not) and dropped connections. */
  serverErrors: number;
  /** IP bans the emulator handed out (Discord's Cloudflare ban). */
  bans: number;
}

function isInvalid(entry: RequestLogEntry): boolean {
  return (
    entry.status === 401 ||
    entry.status === 403 ||
    (entry.status === 429 && entry.rateLimitScope !== 'shared')
  );
}

/** Counts the REST requests answered since `since`, optionally only those `match` selects. */
export function discordTraffic(
  emulator: DiscordEmulator,
  since: number,
  match: (entry: RequestLogEntry) => boolean = () => true,
): DiscordTraffic {
  const entries = emulator.stats.requests({ since }).filter(match);
  const rateLimited = { user: 0, global: 0, shared: 0 };
  for (const entry of entries) if (entry.rateLimitScope !== null) rateLimited[entry.rateLimitScope] += 1;
  return {
    requests: entries.length,
    invalid: entries.filter(isInvalid).length,
    unauthorized: entries.filter((entry) => entry.status === 401).length,
    forbidden: entries.filter((entry) => entry.status === 403).length,
    notFound: entries.filter((entry) => entry.status === 404).length,
    rateLimited,
    serverErrors: entries.filter((entry) => entry.status >= 500 || entry.status === 0).length,
    bans: emulator.stats.snapshot().bans.length,
  };
}

/** `invalid 12 (401 0, 403 2, 429 10: user 4, global 6; shared 3 not counted)` */
export function describeInvalid(traffic: DiscordTraffic): string {
  const { user, global, shared } = traffic.rateLimited;
  return (
    `${traffic.invalid} (401 ${traffic.unauthorized}, 403 ${traffic.forbidden}, ` +
    `429 user ${user} + global ${global}; shared 429 ${shared} and 404 ${traffic.notFound} not counted)`
  );
}
