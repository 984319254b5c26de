/** Property names whose values are secrets or personal data, wherever they appear in a log object. */
const SENSITIVE_KEYS = [
  'apiKey',
  'token',
  'botToken',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'password',
  'email',
] as const;

/** Header names (as node lowercases them) that carry credentials. */
const SENSITIVE_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-inflow-api-key'] as const;

/*
 * pino's redact has no "any depth" wildcard: `*.email` matches exactly one level down. So every key is
 * listed at the top level and under one and two wildcard levels, which covers shapes like
 * `{ subscription: { customer: { email } } }`. Deeper objects should not be logged whole; log ids.
 * Each wildcard path costs time on every line, which is why the list stops at this depth.
 */
const KEY_DEPTHS = ['', '*.', '*.*.'] as const;
const HEADER_PARENTS = ['headers', '*.headers', '*.*.headers'] as const;

export const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE_KEYS.flatMap((key) => KEY_DEPTHS.map((prefix) => `${prefix}${key}`)),
  ...SENSITIVE_HEADERS.flatMap((header) => HEADER_PARENTS.map((parent) => `${parent}["${header}"]`)),
];
