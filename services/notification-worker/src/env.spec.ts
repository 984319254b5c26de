import { describe, expect, it } from '@jest/globals';
import { loadServiceEnv } from './env';

const REQUIRED = {
  DISCORD_BOT_TOKEN: 'bot-token',
  DISCORD_CLIENT_ID: '1380000000000000001',
  DISCORD_CLIENT_SECRET: 'client-secret',
};

/** Loads with an exit that throws the one-line message instead of ending the process. */
function load(source: Record<string, string>) {
  let message = '';
  return loadServiceEnv(source, {
    stderr: { write: (text: string) => (message += text) },
    exit: () => {
      throw new Error(message.trim());
    },
  });
}

describe('notification-worker env', () => {
  it('defaults to port 3003, en-US amounts and 10 jobs at once', () => {
    expect(load(REQUIRED)).toMatchObject({
      PORT: 3003,
      NOTIFICATION_LOCALE: 'en-US',
      NOTIFICATION_CONCURRENCY: 10,
      DISCORD_API_URL: 'https://discord.com/api',
      DISCORD_GLOBAL_RATE_LIMIT: 50,
    });
  });

  it('takes a locale this Node.js supports', () => {
    expect(load({ ...REQUIRED, NOTIFICATION_LOCALE: 'de-DE' }).NOTIFICATION_LOCALE).toBe('de-DE');
  });

  it.each(['not a locale!!', 'zz'])('refuses the locale %j with a readable message', (locale) => {
    expect(() => load({ ...REQUIRED, NOTIFICATION_LOCALE: locale })).toThrow(
      'notification-worker: invalid configuration: NOTIFICATION_LOCALE must be a BCP 47 locale this Node.js supports, e.g. en-US or de-DE',
    );
  });

  it('refuses a concurrency out of range and a missing bot token', () => {
    expect(() => load({ ...REQUIRED, NOTIFICATION_CONCURRENCY: '0' })).toThrow(
      'NOTIFICATION_CONCURRENCY must be an integer between 1 and 200',
    );
    const { DISCORD_BOT_TOKEN: _token, ...withoutToken } = REQUIRED;
    expect(() => load(withoutToken)).toThrow('DISCORD_BOT_TOKEN is required');
  });
});
