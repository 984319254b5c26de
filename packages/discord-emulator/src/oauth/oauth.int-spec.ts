import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { REST } from '@discordjs/rest';
import { PermissionFlags } from '../discord/permission-flags';
import { type DiscordEmulator, startEmulator } from '../emulator';
import { DEMO_BOT_PERMISSIONS, type DemoSeed, type GuildDispatch } from '../state/emulator-state';
import { authorize, bearerRest, botRest, expectDiscordError, postForm } from '../test/fixtures';

const CALLBACK = 'http://localhost:3000/oauth/discord/callback';
const BOT_CALLBACK = 'http://localhost:3000/oauth/discord/bot-callback';

let emulator: DiscordEmulator;
let seed: DemoSeed;
let client: { client_id: string; client_secret: string };

beforeAll(async () => {
  emulator = await startEmulator({ routeBuckets: { 'oauth-token': { limit: 100, windowMs: 1000 } } });
  client = { client_id: emulator.applicationId, client_secret: emulator.clientSecret };
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(() => {
  seed = emulator.state.seedDemo();
  emulator.state.setConsent('allow');
});

function customerParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: emulator.applicationId,
    scope: 'identify guilds.join',
    state: 'st_123',
    redirect_uri: CALLBACK,
    prompt: 'consent',
    ...extra,
  };
}

async function codeFor(userId: string, extra: Record<string, string> = {}): Promise<string> {
  emulator.state.setAuthorizingUser(userId);
  const { status, location } = await authorize(emulator, customerParams(extra));
  expect(status).toBe(302);
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${String(location)}`);
  return code;
}

describe('authorization code grant', () => {
  it('redirects with code and state, exchanges the code once, and the token works as Discord tokens do', async () => {
    const carol = seed.userIds[2]!;
    emulator.state.setAuthorizingUser(carol);
    const { location } = await authorize(emulator, customerParams());
    expect(`${location!.origin}${location!.pathname}`).toBe(CALLBACK);
    expect(location!.searchParams.get('state')).toBe('st_123');
    const code = location!.searchParams.get('code')!;

    // The product calls the token endpoint through @discordjs/rest with auth: false.
    const rest = new REST({ api: emulator.apiBaseUrl, retries: 0 });
    const body = new URLSearchParams({
      ...client,
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
    });
    const tokens = (await rest.post('/oauth2/token', {
      auth: false,
      passThroughBody: true,
      body: body.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })) as Record<string, unknown>;
    expect(tokens).toEqual({
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^\w{30}$/),
      expires_in: 604800,
      refresh_token: expect.stringMatching(/^\w{30}$/),
      scope: 'identify guilds.join',
    });
    await expect(
      bearerRest(emulator, tokens.access_token as string).get('/users/@me'),
    ).resolves.toMatchObject({ id: carol });

    // The same code again is invalid_grant.
    const reused = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
    });
    expect(reused).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid "code" in request.' },
    });

    // And the customer joins the guild with it.
    const member = await botRest(emulator).put(`/guilds/${seed.guildId}/members/${carol}`, {
      body: { access_token: tokens.access_token, roles: [seed.vipRoleId] },
    });
    expect(member).toMatchObject({ user: { id: carol }, roles: [seed.vipRoleId] });
  });

  it('binds the code to its redirect_uri and client, and authenticates the client by Basic or form', async () => {
    const alice = seed.userIds[0]!;
    const wrongRedirect = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'authorization_code',
      code: await codeFor(alice),
      redirect_uri: BOT_CALLBACK,
    });
    expect(wrongRedirect).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid "redirect_uri" in request.' },
    });

    const badSecret = await postForm(emulator, '/oauth2/token', {
      client_id: emulator.applicationId,
      client_secret: 'wrong',
      grant_type: 'authorization_code',
      code: await codeFor(alice),
      redirect_uri: CALLBACK,
    });
    expect(badSecret).toEqual({ status: 401, body: { error: 'invalid_client' } });

    const basic = Buffer.from(`${emulator.applicationId}:${emulator.clientSecret}`).toString('base64');
    const viaBasic = await postForm(
      emulator,
      '/oauth2/token',
      { grant_type: 'authorization_code', code: await codeFor(alice), redirect_uri: CALLBACK },
      { Authorization: `Basic ${basic}` },
    );
    expect(viaBasic.status).toBe(200);
  });

  it('accepts form bodies only: JSON looks like a request without grant_type', async () => {
    const response = await fetch(`${emulator.apiBaseUrl}/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...client,
        grant_type: 'authorization_code',
        code: await codeFor(seed.userIds[0]!),
        redirect_uri: CALLBACK,
      }),
    });
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Grant type None is not supported',
    });
    const unknownGrant = await postForm(emulator, '/oauth2/token', { ...client, grant_type: 'password' });
    expect(unknownGrant.body).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Grant type password is not supported',
    });
  });

  it('verifies PKCE S256 at the exchange', async () => {
    const alice = seed.userIds[0]!;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const exchange = async (codeVerifier: string | undefined) =>
      postForm(emulator, '/oauth2/token', {
        ...client,
        grant_type: 'authorization_code',
        code: await codeFor(alice, pkce),
        redirect_uri: CALLBACK,
        ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
      });
    expect((await exchange(undefined)).body).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange(randomBytes(32).toString('base64url'))).body).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await exchange(verifier)).status).toBe(200);

    const plain = await authorize(
      emulator,
      customerParams({ code_challenge: challenge, code_challenge_method: 'plain' }),
    );
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('refresh and revoke', () => {
  async function tokensFor(userId: string): Promise<Record<string, string>> {
    const { body } = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'authorization_code',
      code: await codeFor(userId),
      redirect_uri: CALLBACK,
    });
    return body as Record<string, string>;
  }

  it('rotates the refresh token and retires the old pair', async () => {
    const first = await tokensFor(seed.userIds[0]!);
    const refreshed = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    const again = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
    });
    expect(again).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid "refresh_token" in request.' },
    });
    await expectDiscordError(bearerRest(emulator, first.access_token!).get('/users/@me'), 401, 0);
    await expect(
      bearerRest(emulator, refreshed.body.access_token as string).get('/users/@me'),
    ).resolves.toMatchObject({ id: seed.userIds[0] });
  });

  it('revokes through the endpoint and when the user deauthorizes the app', async () => {
    const carol = seed.userIds[2]!;
    const tokens = await tokensFor(carol);
    const revoked = await postForm(emulator, '/oauth2/token/revoke', {
      ...client,
      token: tokens.access_token!,
      token_type_hint: 'access_token',
    });
    expect(revoked).toEqual({ status: 200, body: {} });
    await expectDiscordError(bearerRest(emulator, tokens.access_token!).get('/users/@me'), 401, 0);
    await expectDiscordError(
      botRest(emulator).put(`/guilds/${seed.guildId}/members/${carol}`, {
        body: { access_token: tokens.access_token },
      }),
      403,
      50025,
    );
    const refreshAfterRevoke = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expect(refreshAfterRevoke.status).toBe(400);

    const other = await tokensFor(carol);
    expect(emulator.state.revokeUserTokens(carol)).toBe(1);
    await expectDiscordError(bearerRest(emulator, other.access_token!).get('/oauth2/@me'), 401, 0);
  });
});

describe('consent screen', () => {
  it('redirects access_denied with state when the user declines', async () => {
    emulator.state.setConsent('deny');
    const { status, location } = await authorize(emulator, customerParams());
    expect(status).toBe(302);
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The resource owner or authorization server denied the request',
      state: 'st_123',
    });
  });

  it('shows an error page, not a redirect, for an unknown client or redirect_uri; invalid_scope goes to the redirect', async () => {
    const unknownClient = await authorize(emulator, customerParams({ client_id: '1100000000000000999' }));
    expect(unknownClient).toMatchObject({ status: 400, location: null });
    const unregistered = await authorize(emulator, customerParams({ redirect_uri: `${CALLBACK}/other` }));
    expect(unregistered).toMatchObject({
      status: 400,
      location: null,
      body: { error_description: 'Invalid OAuth2 redirect_uri' },
    });
    const scope = await authorize(emulator, customerParams({ scope: 'identify admin' }));
    expect(scope.location?.searchParams.get('error')).toBe('invalid_scope');
    const responseType = await authorize(emulator, customerParams({ response_type: 'token' }));
    expect(responseType.location?.searchParams.get('error')).toBe('unsupported_response_type');
  });
});

describe('bot install', () => {
  it('adds the bot with a managed role carrying the permissions, dispatches GUILD_CREATE and returns the guild with the token', async () => {
    const owner = emulator.state.authorizingUserId;
    const guild = emulator.state.createGuild({ name: 'Merchant server', ownerId: owner });
    emulator.state.setAuthorizingUser(owner);
    const dispatches: GuildDispatch[] = [];
    const unsubscribe = emulator.state.onDispatch((dispatch) => dispatches.push(dispatch));
    const { location } = await authorize(emulator, {
      client_id: emulator.applicationId,
      scope: 'bot applications.commands',
      permissions: '268454913',
      response_type: 'code',
      redirect_uri: BOT_CALLBACK,
      state: 'install_1',
      guild_id: guild.id,
      disable_guild_select: 'true',
    });
    unsubscribe();
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      code: expect.any(String),
      state: 'install_1',
      guild_id: guild.id,
      permissions: '268454913',
    });
    expect(dispatches.map((dispatch) => dispatch.t)).toEqual(['GUILD_CREATE']);
    const botRole = [...emulator.state.guild(guild.id)!.roles.values()].find((role) => role.managed)!;
    expect(botRole).toMatchObject({ name: 'Inflow', permissions: 268454913n, botId: emulator.botUserId });
    expect(emulator.state.basePermissions(guild.id, emulator.botUserId) & PermissionFlags.MANAGE_ROLES).toBe(
      PermissionFlags.MANAGE_ROLES,
    );

    const exchanged = await postForm(emulator, '/oauth2/token', {
      ...client,
      grant_type: 'authorization_code',
      code: location!.searchParams.get('code')!,
      redirect_uri: BOT_CALLBACK,
    });
    expect(exchanged.body).toMatchObject({
      scope: 'bot applications.commands',
      guild: { id: guild.id, name: 'Merchant server' },
    });
  });

  it('refuses to install into a guild the authorizing user cannot manage', async () => {
    emulator.state.setAuthorizingUser(seed.userIds[0]!);
    const refused = await authorize(emulator, {
      client_id: emulator.applicationId,
      scope: 'bot',
      permissions: '8',
      response_type: 'code',
      redirect_uri: BOT_CALLBACK,
      guild_id: seed.guildId,
    });
    expect(refused.status).toBe(400);
    // Nothing changed: the bot keeps the permissions it had.
    expect(emulator.state.guild(seed.guildId)!.roles.get(seed.botRoleId)!.permissions).toBe(
      DEMO_BOT_PERMISSIONS,
    );
  });
});
