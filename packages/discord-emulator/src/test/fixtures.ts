import { expect } from '@jest/globals';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { type DiscordEmulator } from '../emulator';

/** A bot REST client of the real @discordjs/rest, pointed at the emulator. */
export function botRest(emulator: DiscordEmulator, options: { retries?: number } = {}): REST {
  return new REST({ api: emulator.apiBaseUrl, retries: options.retries ?? 0, timeout: 5000 }).setToken(
    emulator.botToken,
  );
}

/** A Bearer client for customer calls; separate because @discordjs/rest forgets its token after a 401. */
export function bearerRest(emulator: DiscordEmulator, accessToken: string): REST {
  return new REST({ api: emulator.apiBaseUrl, authPrefix: 'Bearer', retries: 0, timeout: 5000 }).setToken(
    accessToken,
  );
}

/** Asserts that `promise` rejects with a DiscordAPIError of this status and code. */
export async function expectDiscordError(
  promise: Promise<unknown>,
  status: number,
  code: number | string,
): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  const apiError = error as DiscordAPIError;
  expect({ status: apiError.status, code: apiError.code }).toEqual({ status, code });
  return apiError;
}

/** Sends the browser to /oauth2/authorize and returns the redirect (or the error page's status and body). */
export async function authorize(
  emulator: DiscordEmulator,
  params: Record<string, string>,
): Promise<{ status: number; location: URL | null; body: unknown }> {
  const url = new URL(emulator.authorizeUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  const body: unknown = response.status === 302 ? null : await response.json();
  return { status: response.status, location: location === null ? null : new URL(location), body };
}

/** POSTs a form to the OAuth token endpoints, as the product's backend does. */
export async function postForm(
  emulator: DiscordEmulator,
  path: '/oauth2/token' | '/oauth2/token/revoke',
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.apiBaseUrl}/v10${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
