import { type IncomingHttpHeaders } from 'node:http';
import { type TokenGrant } from '../oauth/oauth-store';
import { type RouteLimit } from '../rate-limit/rate-limiter';

/** Who made a REST request, as established from the Authorization header. */
export type Principal = { kind: 'bot' } | { kind: 'bearer'; grant: TokenGrant } | { kind: 'anonymous' };

/** What a route accepts: the bot token, an OAuth bearer token, either, or no Discord auth (OAuth token endpoints). */
export type AuthRequirement = 'bot' | 'bearer' | 'bot-or-bearer' | 'none';

export interface ApiRequest {
  method: string;
  /** Path below the API version prefix, e.g. `/guilds/123/roles`. */
  path: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  ip: string;
  principal: Principal;
}

export interface ApiResponse {
  status: number;
  /** JSON-serialised unless `rawBody` is set; omitted for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One REST route of the emulated API. */
export interface RouteDefinition {
  method: HttpMethod;
  /** Discord-style template: `/guilds/{guild_id}/members/{user_id}`. Literal segments match exactly. */
  template: string;
  auth: AuthRequirement;
  /** Per-route bucket, or null for routes without one. */
  limit: RouteLimit | null;
  /** The top-level resource parameter that keys the bucket (guild, channel or webhook). */
  majorParameter: 'guild_id' | 'channel_id' | 'webhook_id' | null;
  handle(request: ApiRequest): ApiResponse | Promise<ApiResponse>;
}
