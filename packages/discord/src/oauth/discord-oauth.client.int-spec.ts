import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type DemoSeed, type DiscordEmulator, startEmulator } from '@inflow/discord-emulator';
import { deleteRedisKeys, uniqueRedisPrefix } from '@inflow/testing';
import { classifyDiscordError } from '../errors/classify-discord-error';
import { DiscordBotClient } from '../rest/discord-bot.client';
import { DiscordRequestError } from '../rest/discord-request-error';
import { DiscordUserClient } from '../rest/discord-user.client';
import {
  connectRedis,
  countingLimiter,
  followAuthorize,
  rejectionOf,
  type TestRedis,
} from '../test/integration-fixtures';
import { authorizeUrl, BOT_INSTALL_PERMISSIONS, botInstallUrl } from './authorize-urls';
import { DiscordOAuthClient } from './discord-oauth.client';
import { OAuthError } from './oauth-error';
import { generatePkcePair } from './pkce';

const CALLBACK = 'http://localhost:3000/oauth/discord/callback';
const BOT_CALLBACK = 'http://localhost:3000/oauth/discord/bot-callback';
const prefix = uniqueRedisPrefix('discord-oauth-client');

let redis: TestRedis;
let emulator: DiscordEmulator;
let seed: DemoSeed;
let oauth: DiscordOAuthClient;
let users: DiscordUserClient;

function oauthClient(
  overrides: Partial<ConstructorParameters<typeof DiscordOAuthClient>[0]> = {},
): DiscordOAuthClient {
  return new DiscordOAuthClient({
    apiBaseUrl: emulator.apiBaseUrl,
    clientId: emulator.applicationId,
    clientSecret: emulator.clientSecret,
    retries: 1,
    ...overrides,
  });
}

/** Runs the customer's consent in the emulator's "browser" and returns the code from the redirect. */
async function customerCode(userId: string, codeChallenge?: string): Promise<string> {
  emulator.state.setAuthorizingUser(userId);
  const redirect = await followAuthorize(
    authorizeUrl({
      authorizeUrl: emulator.authorizeUrl,
      clientId: emulator.applicationId,
      redirectUri: CALLBACK,
      scopes: ['identify', 'guilds.join'],
      state: 'st_customer_1',
      prompt: 'consent',
      ...(codeChallenge === undefined ? {} : { codeChallenge }),
    }),
  );
  expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
  expect(redirect.searchParams.get('state')).toBe('st_customer_1');
  return redirect.searchParams.get('code')!;
}

beforeAll(async () => {
  redis = await connectRedis('discord-oauth-client-test');
  emulator = await startEmulator({ routeBuckets: { 'oauth-token': { limit: 100, windowMs: 1_000 } } });
});

afterAll(async () => {
  await emulator.stop();
  await redis.quit();
  await deleteRedisKeys(prefix);
});

beforeEach(() => {
  seed = emulator.state.seedDemo();
  oauth = oauthClient();
  users = new DiscordUserClient({ apiBaseUrl: emulator.apiBaseUrl, retries: 1 });
});

describe('customer OAuth2 against the emulator', () => {
  it('exchanges a PKCE code, reads the user and the authorization, adds them to the guild with a role', async () => {
    const carol = seed.userIds[2]!;
    const pkce = generatePkcePair();
    const before = Date.now();

    const tokens = await oauth.exchangeCode({
      code: await customerCode(carol, pkce.codeChallenge),
      redirectUri: CALLBACK,
      codeVerifier: pkce.codeVerifier,
    });

    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      scopes: ['identify', 'guilds.join'],
      expiresAt: expect.any(Date),
    });
    expect(tokens.expiresAt.getTime() - before).toBeGreaterThanOrEqual(604_800_000 - 1_000);
    expect((await users.getCurrentUser(tokens.accessToken)).id).toBe(carol);
    const authorization = await users.getCurrentAuthorization(tokens.accessToken);
    expect(authorization).toMatchObject({
      applicationId: emulator.applicationId,
      scopes: ['identify', 'guilds.join'],
    });
    expect(authorization.user?.id).toBe(carol);

    const bot = new DiscordBotClient({
      apiBaseUrl: emulator.apiBaseUrl,
      token: emulator.botToken,
      limiter: countingLimiter(redis, `${prefix}:global`),
    });
    await expect(
      bot.addGuildMember(seed.guildId, carol, tokens.accessToken, [seed.vipRoleId]),
    ).resolves.toMatchObject({
      added: true,
    });
    expect(emulator.state.memberRoles(seed.guildId, carol)).toEqual([seed.vipRoleId]);
  });

  it('authenticates with form fields as well as with Basic', async () => {
    const carol = seed.userIds[2]!;
    const tokens = await oauthClient({ clientAuthentication: 'form' }).exchangeCode({
      code: await customerCode(carol),
      redirectUri: CALLBACK,
    });
    expect(tokens.scopes).toEqual(['identify', 'guilds.join']);
  });

  it('refreshes (rotating both tokens), and the old access token then fails as token_invalid', async () => {
    const carol = seed.userIds[2]!;
    const first = await oauth.exchangeCode({ code: await customerCode(carol), redirectUri: CALLBACK });

    const second = await oauth.refresh(first.refreshToken);

    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await users.getCurrentUser(second.accessToken)).id).toBe(carol);
    const error = await rejectionOf(users.getCurrentUser(first.accessToken));
    expect(error).toBeInstanceOf(DiscordRequestError);
    expect(error).toMatchObject({
      status: 401,
      auth: 'bearer',
      route: '/users/@me',
      classification: { kind: 'token_invalid', reason: 'bearer_unauthorized' },
    });
    expect((error as Error).message).not.toContain(first.accessToken);
  });

  it('revokes a token; using or refreshing it afterwards fails as token_invalid', async () => {
    const carol = seed.userIds[2]!;
    const tokens = await oauth.exchangeCode({ code: await customerCode(carol), redirectUri: CALLBACK });

    await oauth.revoke(tokens.accessToken, 'access_token');
    await oauth.revoke(tokens.accessToken, 'access_token'); // RFC 7009: revoking twice is fine

    expect(
      classifyDiscordError(await rejectionOf(users.getCurrentAuthorization(tokens.accessToken))),
    ).toEqual({
      kind: 'token_invalid',
      reason: 'bearer_unauthorized',
    });
    const refreshError = await rejectionOf(oauth.refresh(tokens.refreshToken));
    expect(refreshError).toBeInstanceOf(OAuthError);
    expect(refreshError).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(classifyDiscordError(refreshError)).toEqual({ kind: 'token_invalid', reason: 'invalid_grant' });
  });

  it('maps RFC 6749 errors: a used code, a wrong verifier and a wrong secret', async () => {
    const carol = seed.userIds[2]!;
    const code = await customerCode(carol);
    await oauth.exchangeCode({ code, redirectUri: CALLBACK });
    await expect(oauth.exchangeCode({ code, redirectUri: CALLBACK })).rejects.toMatchObject({
      name: 'OAuthError',
      error: 'invalid_grant',
      description: 'Invalid "code" in request.',
    });

    const pkce = generatePkcePair();
    const pkceCode = await customerCode(carol, pkce.codeChallenge);
    await expect(
      oauth.exchangeCode({
        code: pkceCode,
        redirectUri: CALLBACK,
        codeVerifier: generatePkcePair().codeVerifier,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    const wrongSecret = oauthClient({ clientSecret: 'not-the-secret' });
    const error = await rejectionOf(
      wrongSecret.exchangeCode({ code: await customerCode(carol), redirectUri: CALLBACK }),
    );
    expect(error).toMatchObject({ name: 'OAuthError', error: 'invalid_client', status: 401 });
    expect(classifyDiscordError(error)).toEqual({ kind: 'bug', reason: 'oauth_client_rejected' });
  });

  it('keeps the bot token working after customer 401s (separate REST instances)', async () => {
    const bot = new DiscordBotClient({
      apiBaseUrl: emulator.apiBaseUrl,
      token: emulator.botToken,
      limiter: countingLimiter(redis, `${prefix}:global`),
    });
    await rejectionOf(users.getCurrentUser('revoked-or-made-up-token'));
    await rejectionOf(oauthClient({ clientSecret: 'wrong' }).refresh('made-up'));
    await expect(bot.getGuild(seed.guildId)).resolves.toMatchObject({ id: seed.guildId });
  });
});

describe('bot install against the emulator', () => {
  it('installs the bot with the invite permissions and returns the guild with the tokens', async () => {
    const guild = emulator.state.createGuild({ name: 'Fresh Guild', ownerId: seed.ownerId });
    emulator.state.setAuthorizingUser(seed.ownerId);

    const redirect = await followAuthorize(
      botInstallUrl({
        authorizeUrl: emulator.authorizeUrl,
        clientId: emulator.applicationId,
        redirectUri: BOT_CALLBACK,
        state: 'st_merchant_1',
        guildId: guild.id,
        disableGuildSelect: true,
      }),
    );

    expect(redirect.searchParams.get('state')).toBe('st_merchant_1');
    expect(redirect.searchParams.get('guild_id')).toBe(guild.id);
    expect(redirect.searchParams.get('permissions')).toBe(BOT_INSTALL_PERMISSIONS.toString());
    const tokens = await oauth.exchangeCode({
      code: redirect.searchParams.get('code')!,
      redirectUri: BOT_CALLBACK,
    });
    expect(tokens.scopes).toEqual(['bot', 'applications.commands']);
    expect(tokens.guild?.id).toBe(guild.id);
    expect(emulator.state.member(guild.id, emulator.botUserId)).toBeDefined();
  });
});
