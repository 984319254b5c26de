/** The `error` values of RFC 6749 (§4.1.2.1, §5.2) and RFC 7009 that Discord's OAuth2 endpoints answer with. */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'unsupported_token_type',
  'server_error',
  'temporarily_unavailable',
] as const;

/** A known OAuth2 error, or `unknown` for anything else (the raw value stays in `rawError`). */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number] | 'unknown';

function knownCode(value: string): OAuthErrorCode {
  return (OAUTH_ERROR_CODES as readonly string[]).includes(value) ? (value as OAuthErrorCode) : 'unknown';
}

/**
 * An RFC 6749 error from Discord's token endpoints (`{error, error_description}`). `invalid_grant` means
 * the code or refresh token is used up, expired or revoked: the customer has to authorize again.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly error: OAuthErrorCode;
  /** The `error` value exactly as Discord sent it. */
  readonly rawError: string;
  readonly description: string | null;
  /** HTTP status of the token endpoint's answer. */
  readonly status: number;

  constructor(input: { error: string; description?: string | null; status: number }) {
    super(`OAuth2 ${input.error}${input.description ? `: ${input.description}` : ''}`);
    this.error = knownCode(input.error);
    this.rawError = input.error;
    this.description = input.description ?? null;
    this.status = input.status;
  }
}
