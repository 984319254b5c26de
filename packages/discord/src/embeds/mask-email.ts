/**
 * An e-mail address shown without its local part: `alice@example.com` → `a***@example.com`. Never
 * returns the address it was given: a local part that already ends in `*` is hidden entirely.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return `${[...email][0] ?? ''}***`;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  return local.endsWith('*') ? `***@${domain}` : `${[...local][0] ?? ''}***@${domain}`;
}

// A token with an "@" followed later by a ".": wider than RFC 5322 on purpose, hiding too much beats leaking.
function looksLikeEmail(token: string): boolean {
  const at = token.indexOf('@');
  return at >= 0 && token.indexOf('.', at) > at;
}

/**
 * Free text with every e-mail-like token masked, for text that may quote an address (failure reasons,
 * names). A token is masked whole, up to its last `@`, so that addresses run together stay hidden too.
 */
export function redactEmails(text: string): string {
  return text.replace(/\S+/g, (token) => (looksLikeEmail(token) ? maskEmail(token) : token));
}
