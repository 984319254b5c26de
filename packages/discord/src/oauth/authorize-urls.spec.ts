import { describe, expect, it } from '@jest/globals';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import {
  authorizeUrl,
  BOT_INSTALL_PERMISSION_BREAKDOWN,
  BOT_INSTALL_PERMISSIONS,
  botInstallUrl,
} from './authorize-urls';
import { pkceChallenge } from './pkce';

const base = 'https://discord.com/oauth2/authorize';
const clientId = '1380000000000000001';
const callback = 'http://localhost:3000/oauth/discord/callback';
const botCallback = 'http://localhost:3000/oauth/discord/bot-callback';

describe('BOT_INSTALL_PERMISSIONS', () => {
  it('is 268454913: Manage Roles, Embed Links, Send Messages, View Channel, Create Invite', () => {
    expect(BOT_INSTALL_PERMISSIONS).toBe(268454913n);
    expect(BOT_INSTALL_PERMISSIONS).toBe((1n << 28n) | (1n << 14n) | (1n << 11n) | (1n << 10n) | (1n << 0n));
    expect(Object.keys(BOT_INSTALL_PERMISSION_BREAKDOWN)).toHaveLength(5);
    expect(BOT_INSTALL_PERMISSIONS & PermissionFlagsBits.Administrator).toBe(0n);
  });
});

describe('authorizeUrl', () => {
  it("has the shape of FACTS.md's customer URL, scopes joined by %20", () => {
    const url = authorizeUrl({
      authorizeUrl: base,
      clientId,
      redirectUri: callback,
      scopes: ['identify', 'guilds.join'],
      state: 'st_abc123',
      prompt: 'consent',
    });
    expect(url).toBe(
      `${base}?response_type=code&client_id=${clientId}&scope=identify%20guilds.join&state=st_abc123` +
        `&redirect_uri=${encodeURIComponent(callback)}&prompt=consent`,
    );
  });

  it('adds the S256 PKCE challenge', () => {
    const codeChallenge = pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    const url = new URL(
      authorizeUrl({
        authorizeUrl: base,
        clientId,
        redirectUri: callback,
        scopes: ['identify'],
        state: 's',
        codeChallenge,
      }),
    );
    expect(url.searchParams.get('code_challenge')).toBe(codeChallenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.has('prompt')).toBe(false);
  });

  it('encodes state and keeps a query the base already has', () => {
    const url = new URL(
      authorizeUrl({
        authorizeUrl: `${base}?locale=de`,
        clientId,
        redirectUri: callback,
        scopes: ['identify'],
        state: 'a b&c=d',
      }),
    );
    expect(url.searchParams.get('locale')).toBe('de');
    expect(url.searchParams.get('state')).toBe('a b&c=d');
  });

  it.each([
    ['no scopes', { scopes: [] }],
    ['a scope with a space', { scopes: ['identify email'] }],
    ['an empty state', { state: '' }],
    ['a client id that is not a snowflake', { clientId: 'abc' }],
    ['a relative redirect', { redirectUri: '/callback' }],
    ['a plain PKCE challenge', { codeChallenge: 'too-short' }],
  ])('rejects %s', (_name, override) => {
    expect(() =>
      authorizeUrl({
        authorizeUrl: base,
        clientId,
        redirectUri: callback,
        scopes: ['identify'],
        state: 's',
        ...override,
      }),
    ).toThrow();
  });
});

describe('botInstallUrl', () => {
  it("has the shape of FACTS.md's bot install URL", () => {
    const url = botInstallUrl({ authorizeUrl: base, clientId, redirectUri: botCallback, state: 'm_1' });
    expect(url).toBe(
      `${base}?client_id=${clientId}&scope=bot%20applications.commands&permissions=268454913&response_type=code` +
        `&redirect_uri=${encodeURIComponent(botCallback)}&state=m_1`,
    );
  });

  it('preselects and locks a guild, and takes other permissions', () => {
    const url = new URL(
      botInstallUrl({
        authorizeUrl: base,
        clientId,
        redirectUri: botCallback,
        state: 'm_1',
        guildId: '1380000000000000100',
        disableGuildSelect: true,
        permissions: PermissionFlagsBits.ManageRoles,
      }),
    );
    expect(url.searchParams.get('guild_id')).toBe('1380000000000000100');
    expect(url.searchParams.get('disable_guild_select')).toBe('true');
    expect(url.searchParams.get('permissions')).toBe(String(1n << 28n));
  });

  it('rejects disableGuildSelect without a guild and a malformed guild id', () => {
    expect(() =>
      botInstallUrl({
        authorizeUrl: base,
        clientId,
        redirectUri: botCallback,
        state: 's',
        disableGuildSelect: true,
      }),
    ).toThrow(RangeError);
    expect(() =>
      botInstallUrl({
        authorizeUrl: base,
        clientId,
        redirectUri: botCallback,
        state: 's',
        guildId: '12/../3',
      }),
    ).toThrow(RangeError);
  });
});
