import { types } from 'node:util';

/**
 * Socket-level failures after which the request may simply be sent again. Discord sits behind load
 * balancers that reset idle keep-alive connections, so these happen in normal operation.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * A request that got no HTTP response: the connection failed or the per-attempt timeout passed, on
 * every attempt. Deliberately has no `code` property and no `ECONNRESET` in its message: @discordjs/rest
 * would otherwise retry it again on top of the retries already made.
 */
export class DiscordNetworkError extends Error {
  override readonly name = 'DiscordNetworkError';

  constructor(
    /** The socket error code of the last attempt (`ECONNRESET`, `UND_ERR_SOCKET`, …), or `TIMEOUT`. */
    readonly networkCode: string,
    /** How many times the request was sent. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`no response from Discord after ${attempts} attempt(s): ${describe(networkCode)}`, options);
  }

  get timedOut(): boolean {
    return this.networkCode === 'TIMEOUT';
  }
}

function describe(networkCode: string): string {
  switch (networkCode) {
    case 'TIMEOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset by peer';
    default:
      return networkCode;
  }
}

/**
 * The network code of an error thrown while sending, or undefined when it is not a network failure.
 * Uses `isNativeError`, not `instanceof Error`: socket errors are made by Node's core, which under
 * Jest lives in another realm than the code under test (the very reason @discordjs/rest's own check
 * fails there). undici may wrap the socket error in `cause`.
 */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; depth < 3; depth += 1) {
    if (!isErrorLike(current)) return undefined;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isErrorLike(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}
