import { z } from 'zod';
import { databaseUrl, envInteger, envUrl, loadEnv, logLevel } from '@inflow/service-runtime';

const schema = z.object({
  DATABASE_URL: databaseUrl,
  /** Unset: run the sandbox, the Discord emulator on loopback in place of Discord. */
  DISCORD_BOT_TOKEN: z.string().optional(),
  PUBLIC_URL: envUrl(['http:', 'https:']).optional(),
  /** The sandbox's Discord emulator port; 0 picks a free one. */
  SANDBOX_DISCORD_PORT: envInteger(0, 65_535).default(5055),
  LOG_LEVEL: logLevel,
  /** The api listens on this port and the workers on the next four (DESIGN.md: 3000, 3001–3004). */
  PORT_BASE: envInteger(1, 65_530).default(3000),
  /** How long to wait for every service to report ready. */
  START_TIMEOUT_MS: envInteger(1000, 600_000, ' of milliseconds').default(60_000),
  /** How long services get to stop after SIGTERM before they are killed. */
  SHUTDOWN_TIMEOUT_MS: envInteger(1000, 600_000, ' of milliseconds').default(10_000),
});

export type LauncherEnv = z.output<typeof schema>;

export function loadLauncherEnv(source: NodeJS.ProcessEnv = process.env): LauncherEnv {
  return loadEnv('launcher', schema, source);
}

/** The environment the services inherit: the launcher's own, unchanged, plus what it sets per service. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
