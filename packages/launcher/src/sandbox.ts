import { randomBytes } from 'node:crypto';
import { startEmulator, type DiscordEmulator } from '@inflow/discord-emulator';

/**
 * The sandbox's Discord world, with fixed ids so that every `pnpm start` finds the same server, roles,
 * channels and people (and the database's sandbox merchant still matches them).
 */
export const SANDBOX = {
  guildId: '1300000000000000001',
  ownerId: '1300000000000000002',
  vipRoleId: '1300000000000000003',
  memberRoleId: '1300000000000000004',
  generalChannelId: '1300000000000000005',
  paymentsChannelId: '1300000000000000006',
  aliceId: '1300000000000000007',
  bobId: '1300000000000000008',
  carolId: '1300000000000000009',
} as const;

export interface Sandbox {
  emulator: DiscordEmulator;
  /** The Discord settings every service gets, pointing at the emulator. */
  env: Record<string, string>;
}

/**
 * The sandbox: with no Discord credentials, a stateful Discord emulator on loopback stands in for
 * Discord, with a demo server whose owner will install the bot through the real install flow.
 */
export async function startSandbox(port: number, publicUrl: string): Promise<Sandbox> {
  const emulator = await startEmulator({
    port,
    redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
  }).catch(async (error: unknown) => {
    // The usual port is taken (another sandbox?): any free port does.
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    return startEmulator({
      port: 0,
      redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
    });
  });
  const state = emulator.state;
  state.createUser({ id: SANDBOX.ownerId, username: 'owner', globalName: 'Server Owner' });
  state.createUser({ id: SANDBOX.aliceId, username: 'alice', globalName: 'Alice' });
  state.createUser({ id: SANDBOX.bobId, username: 'bob', globalName: 'Bob' });
  state.createUser({ id: SANDBOX.carolId, username: 'carol', globalName: 'Carol' });
  state.createGuild({ id: SANDBOX.guildId, name: 'Inflow Sandbox', ownerId: SANDBOX.ownerId });
  state.createRole(SANDBOX.guildId, {
    id: SANDBOX.memberRoleId,
    name: 'Member',
    position: 1,
    color: 0x95a5a6,
  });
  state.createRole(SANDBOX.guildId, { id: SANDBOX.vipRoleId, name: 'VIP', position: 2, color: 0xf1c40f });
  state.createChannel(SANDBOX.guildId, { id: SANDBOX.generalChannelId, name: 'general' });
  state.createChannel(SANDBOX.guildId, { id: SANDBOX.paymentsChannelId, name: 'payments' });
  state.joinGuild(SANDBOX.guildId, SANDBOX.aliceId);
  state.joinGuild(SANDBOX.guildId, SANDBOX.bobId);
  // The owner installs the bot (its role goes on top, as a careful admin would place it).
  state.setDefaultInstallGuild(SANDBOX.guildId);
  state.setBotRolePlacement('top');
  state.setAuthorizingUser(SANDBOX.ownerId);
  return {
    emulator,
    env: {
      DISCORD_API_URL: emulator.apiBaseUrl,
      DISCORD_OAUTH_AUTHORIZE_URL: emulator.authorizeUrl,
      DISCORD_GATEWAY_URL: emulator.gatewayUrl,
      DISCORD_BOT_TOKEN: emulator.botToken,
      DISCORD_CLIENT_ID: emulator.applicationId,
      DISCORD_CLIENT_SECRET: emulator.clientSecret,
      // A fresh key per sandbox run: sandbox tokens are the emulator's and die with it.
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
  };
}
