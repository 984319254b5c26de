#!/usr/bin/env node
import { CLI_USAGE, parseCliArgs } from './cli-args';
import { startEmulator } from './emulator';

async function main(): Promise<void> {
  const { options, seed, verbose, help } = parseCliArgs(process.argv.slice(2));
  if (help) {
    console.log(CLI_USAGE);
    return;
  }
  if (verbose) options.logger = (line) => console.log(`[emulator] ${line}`);

  const emulator = await startEmulator(options);
  console.log(`Discord emulator on ${emulator.url}`);
  console.log(`  REST base      ${emulator.apiBaseUrl}   (DISCORD_API_URL)`);
  console.log(`  gateway        ${emulator.gatewayUrl}`);
  console.log(`  authorize      ${emulator.authorizeUrl}   (DISCORD_OAUTH_AUTHORIZE_URL)`);
  console.log(`  control        ${emulator.url}/_emulator/info`);
  console.log(`  bot token      ${emulator.botToken}`);
  console.log(`  client id      ${emulator.applicationId}`);
  console.log(`  client secret  ${emulator.clientSecret}`);
  if (seed) {
    console.log(
      `  demo guild     ${JSON.stringify(emulator.state.seedDemo(), null, 2).replace(/\n/g, '\n  ')}`,
    );
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}, stopping the emulator`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
