import { randomBytes } from 'node:crypto';
import { startEmulator, type DemoSeed, type DiscordEmulator } from '@inflow/discord-emulator';

export interface Sandbox {
  emulator: DiscordEmulator;
  seed: DemoSeed;
  /** The Discord settings every service gets, pointing at the emulator. */
  env: Record<string, string>;
}

/**
 * The sandbox: with no Discord credentials, a stateful Discord emulator on loopback stands in for
 * Discord, seeded with a demo server, so that the product can be watched working without an account.
 */
export async function startSandbox(port: number, publicUrl: string): Promise<Sandbox> {
  const emulator = await startEmulator({
    port,
    redirectUris: [`${publicUrl}/oauth/discord/bot-callback`, `${publicUrl}/oauth/discord/callback`],
  });
  const seed = emulator.state.seedDemo();
  return {
    emulator,
    seed,
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
