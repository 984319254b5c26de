/** What a logged error keeps: enough to debug, never a request body, URL or header it carried. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string | number;
  status?: number;
  stack?: string;
  cause?: SerializedError;
  errors?: SerializedError[];
}

/** How far `cause` chains and AggregateError members are followed. */
const MAX_DEPTH = 3;
const MAX_AGGREGATED = 5;

/**
 * The pino `err` serializer. pino's standard one copies every enumerable property, and HTTP client
 * errors (@discordjs/rest's DiscordAPIError, HTTPError) carry the request body, which can hold e-mail
 * addresses and tokens. This keeps an allow-list instead. AggregateError members are kept because
 * node's dual-stack connect reports ECONNREFUSED as an AggregateError with an empty message.
 */
export function serializeError(value: unknown, depth = 0): SerializedError {
  if (!(value instanceof Error)) {
    return { type: typeof value, message: typeof value === 'string' ? value : describeNonError(value) };
  }
  const serialized: SerializedError = { type: value.name, message: value.message };
  const { code, status } = value as { code?: unknown; status?: unknown };
  if (typeof code === 'string' || typeof code === 'number') serialized.code = code;
  if (typeof status === 'number') serialized.status = status;
  if (value.stack !== undefined) serialized.stack = value.stack;
  if (depth < MAX_DEPTH) {
    if (value.cause !== undefined) serialized.cause = serializeError(value.cause, depth + 1);
    if (value instanceof AggregateError && Array.isArray(value.errors)) {
      serialized.errors = value.errors
        .slice(0, MAX_AGGREGATED)
        .map((member: unknown) => serializeError(member, depth + 1));
    }
  }
  return serialized;
}

function describeNonError(value: unknown): string {
  const message =
    typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : `non-Error value of type ${typeof value}`;
}
