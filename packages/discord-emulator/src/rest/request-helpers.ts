import { DiscordErrors } from '../discord/discord-error';
import { type ApiRequest } from '../http/api-types';

/** A path parameter the router guarantees for this route. */
export function param(request: ApiRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`route is missing parameter ${name}`);
  return value;
}

/**
 * The JSON body, or `{}` when there is none or it is not JSON (Discord then reports the missing fields).
 * Malformed JSON is 50109.
 */
export function parseJsonBody(request: ApiRequest): unknown {
  const type = request.headers['content-type'] ?? '';
  if (request.rawBody.length === 0 || !type.includes('application/json')) return {};
  try {
    return JSON.parse(request.rawBody.toString('utf8')) as unknown;
  } catch {
    throw DiscordErrors.invalidJson();
  }
}
