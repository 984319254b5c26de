import type { RequestLogEntry } from '@inflow/discord-emulator';

/** The emulator's route template of member-role add (PUT) and remove (DELETE). */
export const MEMBER_ROLE_ROUTE = '/guilds/{guild_id}/members/{user_id}/roles/{role_id}';
/** The emulator's route template of a member read. */
export const MEMBER_ROUTE = '/guilds/{guild_id}/members/{user_id}';

/** What Discord (the emulator) saw of a drain: role changes, their pace and every 429 by scope. */
export interface DrainTraffic {
  /** Role changes Discord accepted (2xx on the member-role route). */
  changes: number;
  /** Every request on the member-role route, refused ones included. */
  roleRequests: number;
  /** Times (ms since the epoch) of the accepted changes, in order. */
  changeTimesMs: number[];
  /** From the first accepted change to the last, in seconds. */
  spanSeconds: number;
  /** Accepted changes per second between the first and the last (n − 1 intervals over the span). */
  changesPerSecond: number;
  /** 429s by scope, over every request in the window (any route). */
  rateLimited: { user: number; global: number; shared: number };
  /** 429s of the member-role route's own bucket (scope user or shared; the global limit is counted apart). */
  roleRoute429: number;
  /** Member reads (GET member): a drain with known roles should need none. */
  memberReads: number;
  /** Requests on other routes in the window (health checks, messages, …). */
  otherRequests: number;
  /** Requests that failed otherwise (4xx other than 429, 5xx, dropped). */
  failures: number;
  /** When Discord answered a request of any route with a global 429, ascending. */
  global429TimesMs: number[];
}

/** Reads a drain's figures from the emulator's request log (entries of the drain's window only). */
export function drainTraffic(entries: readonly RequestLogEntry[]): DrainTraffic {
  const rateLimited = { user: 0, global: 0, shared: 0 };
  const changeTimesMs: number[] = [];
  let roleRequests = 0;
  let roleRoute429 = 0;
  let memberReads = 0;
  let otherRequests = 0;
  let failures = 0;
  const global429TimesMs: number[] = [];
  for (const entry of entries) {
    if (entry.rateLimitScope !== null) rateLimited[entry.rateLimitScope] += 1;
    if (entry.rateLimitScope === 'global') global429TimesMs.push(entry.time);
    const isRoleChange =
      entry.route === MEMBER_ROLE_ROUTE && (entry.method === 'PUT' || entry.method === 'DELETE');
    if (isRoleChange) {
      roleRequests += 1;
      if (entry.status === 429) {
        if (entry.rateLimitScope !== 'global') roleRoute429 += 1;
      } else if (entry.status >= 200 && entry.status < 300) changeTimesMs.push(entry.time);
      else failures += 1;
      continue;
    }
    if (entry.route === MEMBER_ROUTE && entry.method === 'GET') memberReads += 1;
    else otherRequests += 1;
    if (entry.status !== 429 && (entry.status === 0 || entry.status >= 400)) failures += 1;
  }
  changeTimesMs.sort((a, b) => a - b);
  global429TimesMs.sort((a, b) => a - b);
  const first = changeTimesMs[0];
  const last = changeTimesMs.at(-1);
  const spanSeconds = first === undefined || last === undefined ? 0 : (last - first) / 1000;
  return {
    changes: changeTimesMs.length,
    roleRequests,
    changeTimesMs,
    spanSeconds,
    changesPerSecond: spanSeconds > 0 ? (changeTimesMs.length - 1) / spanSeconds : 0,
    rateLimited,
    roleRoute429,
    memberReads,
    otherRequests,
    failures,
    global429TimesMs,
  };
}

/**
 * The time of the first accepted role change for each `guildId/userId` path prefix, from the log: what
 * the latency scenario matches each event against.
 */
export function firstRoleChangeByMember(entries: readonly RequestLogEntry[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    if (entry.route !== MEMBER_ROLE_ROUTE || entry.method !== 'PUT') continue;
    if (entry.status < 200 || entry.status >= 300) continue;
    const match = /\/guilds\/(\d+)\/members\/(\d+)\/roles\//.exec(entry.path);
    if (match === null) continue;
    const key = `${match[1]}/${match[2]}`;
    const known = seen.get(key);
    if (known === undefined || entry.time < known) seen.set(key, entry.time);
  }
  return seen;
}
