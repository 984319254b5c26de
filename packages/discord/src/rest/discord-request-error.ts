import { DiscordAPIError, HTTPError } from '@discordjs/rest';
import { type DiscordErrorClass } from '../errors/discord-error-class';
import { classifyFailure, failureOf, type RequestAuth } from '../errors/discord-failure';

/** The request a failure belongs to, as it may be logged: never a token, never a body. */
export interface FailedRequest {
  method: string;
  /** Route template, e.g. `/guilds/{guild_id}/members/{user_id}/roles/{role_id}`. */
  route: string;
  auth: RequestAuth;
}

/**
 * A failed Discord call, classified. Safe to log: it carries the route template rather than the URL,
 * Discord's error body rather than the request (which may hold a customer's access token): the
 * original error is kept as `cause` except for @discordjs/rest's errors, which keep the request body.
 */
export class DiscordRequestError extends Error {
  override readonly name = 'DiscordRequestError';
  /** HTTP status; null when no response arrived. */
  readonly status: number | null;
  /** Discord's JSON error code (e.g. 50013); null when there was none. */
  readonly code: number | null;
  readonly method: string;
  readonly route: string;
  readonly auth: RequestAuth;
  readonly classification: DiscordErrorClass;
  /** Discord's field errors of a 50035 Invalid Form Body, as sent. */
  readonly fieldErrors: unknown;

  constructor(
    input: FailedRequest & {
      status: number | null;
      code: number | null;
      classification: DiscordErrorClass;
      detail: string;
      fieldErrors?: unknown;
      cause?: unknown;
    },
  ) {
    const outcome =
      input.status === null
        ? 'no response'
        : `${input.status}${input.code === null ? '' : ` code ${input.code}`}`;
    super(
      `Discord ${input.method} ${input.route} failed (${outcome}, ${input.classification.kind}): ${input.detail}`,
      input.cause === undefined ? undefined : { cause: input.cause },
    );
    this.status = input.status;
    this.code = input.code;
    this.method = input.method;
    this.route = input.route;
    this.auth = input.auth;
    this.classification = input.classification;
    this.fieldErrors = input.fieldErrors;
  }
}

/** Wraps whatever a REST call threw into a classified {@link DiscordRequestError}. */
export function toDiscordRequestError(error: unknown, request: FailedRequest): DiscordRequestError {
  if (error instanceof DiscordRequestError) return error;
  const failure = failureOf(error, request.auth);
  const classification = classifyFailure(failure);
  if (error instanceof DiscordAPIError) {
    const raw = error.rawError as { message?: unknown; errors?: unknown };
    return new DiscordRequestError({
      ...request,
      status: error.status,
      code: typeof error.code === 'number' ? error.code : null,
      classification,
      detail: typeof raw.message === 'string' ? raw.message : error.message,
      ...(raw.errors === undefined ? {} : { fieldErrors: raw.errors }),
    });
  }
  if (error instanceof HTTPError) {
    return new DiscordRequestError({
      ...request,
      status: error.status,
      code: null,
      classification,
      detail: error.message,
    });
  }
  const status = failure.type === 'response' ? failure.status : null;
  const detail = error instanceof Error ? error.message : String(error);
  return new DiscordRequestError({
    ...request,
    status,
    code: null,
    classification,
    detail,
    // Only DiscordAPIError and HTTPError (handled above) keep the request body, which may hold a token.
    cause: error,
  });
}
