import { type ResponseLike } from '@discordjs/rest';
import { describe, expect, it } from '@jest/globals';
import { DiscordBotClient } from './discord-bot.client';
import { DiscordRequestError } from './discord-request-error';
import { type MakeRequest } from './discord-transport';

const GUILD = '1350000000000000100';
const USER = '1350000000000000200';
const ROLE = '1350000000000000300';
const TOKEN = 'bot-token-that-must-never-leak';

function jsonResponse(status: number, body?: unknown): ResponseLike {
  const text = body === undefined ? '' : JSON.stringify(body);
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: String(status),
    headers: new Headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: null,
    bodyUsed: false,
    arrayBuffer: () => Promise.resolve(new TextEncoder().encode(text).buffer),
    json: () => Promise.resolve(body),
    text: () => Promise.resolve(text),
  };
}

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** A bot client whose HTTP requests are answered by `answer`, with the requests and limiter slots counted. */
function client(answer: (request: Sent) => ResponseLike, options: { retries?: number } = {}) {
  const sent: Sent[] = [];
  let slots = 0;
  const send: MakeRequest = (url, init) => {
    const request: Sent = {
      url,
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(request);
    return Promise.resolve(answer(request));
  };
  const bot = new DiscordBotClient({
    apiBaseUrl: 'https://discord.test/api',
    token: TOKEN,
    limiter: {
      acquire: () => {
        slots += 1;
        return Promise.resolve();
      },
    },
    retries: options.retries ?? 2,
    send,
  });
  return { bot, sent, slots: () => slots };
}

describe('DiscordBotClient (fake transport)', () => {
  it('sends the role grant with the bot token and a URL-encoded audit-log reason', async () => {
    const { bot, sent } = client(() => jsonResponse(204));

    await bot.addMemberRole(GUILD, USER, ROLE, 'Abo für 🎉 sub_1 active');

    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('PUT');
    expect(sent[0]?.url).toBe(`https://discord.test/api/v10/guilds/${GUILD}/members/${USER}/roles/${ROLE}`);
    expect(sent[0]?.headers.Authorization).toBe(`Bot ${TOKEN}`);
    expect(sent[0]?.headers['X-Audit-Log-Reason']).toBe(encodeURIComponent('Abo für 🎉 sub_1 active'));
  });

  it('retries a 5xx through the limiter each time, then throws a retryable error', async () => {
    const { bot, sent, slots } = client(() => jsonResponse(503, { message: 'unavailable', code: 0 }), {
      retries: 2,
    });

    const error = await bot.getGuild(GUILD).catch((thrown: unknown) => thrown);

    expect(sent).toHaveLength(3);
    expect(slots()).toBe(3);
    expect(error).toBeInstanceOf(DiscordRequestError);
    expect(error).toMatchObject({
      status: 503,
      method: 'GET',
      route: '/guilds/{guild_id}',
      classification: { kind: 'retryable', reason: 'server_error' },
    });
  });

  it('after a 401 fails fast without another request, and never shows the token', async () => {
    const { bot, sent } = client(() => jsonResponse(401, { message: '401: Unauthorized', code: 0 }));

    const first = await bot.getGuildRoles(GUILD).catch((thrown: unknown) => thrown);
    const second = await bot.getGuildRoles(GUILD).catch((thrown: unknown) => thrown);

    expect(sent).toHaveLength(1);
    for (const error of [first, second]) {
      expect(error).toMatchObject({
        status: 401,
        code: 0,
        classification: { kind: 'bug', reason: 'bot_token_rejected' },
      });
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(String((error as Error).stack)).not.toContain(TOKEN);
    }
  });

  it('keeps the access token of addGuildMember out of its error', async () => {
    const accessToken = 'customer-access-token-secret';
    const { bot } = client(() => jsonResponse(403, { message: 'Invalid OAuth2 access token', code: 50025 }));

    const error = await bot
      .addGuildMember(GUILD, USER, accessToken, [ROLE])
      .catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 50025, classification: { kind: 'token_invalid' } });
    expect(JSON.stringify(error)).not.toContain(accessToken);
    expect((error as Error).message).not.toContain(accessToken);
    expect((error as Error).cause).toBeUndefined();
  });

  it('posts messages that ping nobody by default, with an enforced nonce', async () => {
    const { bot, sent } = client(() => jsonResponse(200, { id: '1350000000000000999' }));

    await bot.createMessage(GUILD, { content: '@everyone hello', nonce: 'notify-evt-1' });

    expect(sent[0]?.body).toEqual({
      allowed_mentions: { parse: [] },
      content: '@everyone hello',
      nonce: 'notify-evt-1',
      enforce_nonce: true,
    });
  });

  it('leaves the global limit to the shared limiter: more than 50 requests in a second when it admits them', async () => {
    const { bot, sent, slots } = client(() => jsonResponse(200, { id: GUILD }));
    const guildIds = Array.from({ length: 60 }, (_, index) => `13500000000000${String(1000 + index)}`);
    const started = Date.now();

    await Promise.all(guildIds.map((guildId) => bot.getGuild(guildId)));

    expect(sent).toHaveLength(60);
    expect(slots()).toBe(60);
    // @discordjs/rest's own per-process limit of 50/s would have held the last 10 back for a second.
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('rejects ids that are not snowflakes before sending anything', async () => {
    const { bot, sent } = client(() => jsonResponse(204));

    await expect(bot.addMemberRole(GUILD, '../../users/@me', ROLE, 'x')).rejects.toThrow(RangeError);
    await expect(bot.getMember('0123', USER)).rejects.toThrow(RangeError);
    expect(sent).toHaveLength(0);
  });

  it('checks its options', () => {
    const base = { token: TOKEN, limiter: { acquire: () => Promise.resolve() } };
    expect(() => new DiscordBotClient({ ...base, apiBaseUrl: 'https://discord.com/api/v10' })).toThrow(
      RangeError,
    );
    expect(() => new DiscordBotClient({ ...base, apiBaseUrl: 'ftp://discord.com/api' })).toThrow(RangeError);
    expect(
      () => new DiscordBotClient({ ...base, apiBaseUrl: 'https://discord.com/api', retries: -1 }),
    ).toThrow(RangeError);
    expect(() => new DiscordBotClient({ ...base, apiBaseUrl: 'https://discord.com/api', token: '' })).toThrow(
      RangeError,
    );
  });
});
