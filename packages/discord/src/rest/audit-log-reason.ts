import { truncate, wellFormed } from '../text/truncate';

/** Discord's limit on `X-Audit-Log-Reason`, in characters before URL encoding. */
export const AUDIT_LOG_REASON_MAX_LENGTH = 512;

// eslint-disable-next-line no-control-regex -- control characters are what it removes
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]+/g;

/**
 * An audit-log reason Discord accepts, or undefined to send none: control characters become spaces,
 * unpaired surrogates (on which URL encoding throws) become U+FFFD, whitespace is trimmed, and the text
 * is cut to 512 characters with an ellipsis, never inside a surrogate pair. @discordjs/rest
 * URL-encodes the result into the header.
 */
export function auditLogReason(reason: string | null | undefined): string | undefined {
  if (reason === null || reason === undefined) return undefined;
  const clean = wellFormed(reason).replace(CONTROL_CHARACTERS, ' ').trim();
  return clean.length === 0 ? undefined : truncate(clean, AUDIT_LOG_REASON_MAX_LENGTH);
}
