import { Database, ensureDatabaseExists } from '@inflow/db';
import { inheritedEnv, loadLauncherEnv } from './env';
import { formatLogLine } from './log-format';
import { startSandbox, type Sandbox } from './sandbox';
import { sandboxBanner } from './sandbox-banner';
import { narrateSandbox } from './sandbox-narrator';
import { setUpSandbox } from './sandbox-setup';
import { waitUntilReady } from './readiness';
import { SERVICES } from './services';
import { Supervisor } from './supervisor';

/**
 * `pnpm start`: applies migrations, starts the five services as child processes, waits until each one
 * reports ready, and stops them all on SIGTERM or Ctrl-C.
 */
async function main(): Promise<void> {
  const env = loadLauncherEnv();
  const colour = process.stdout.isTTY;
  const say = (message: string) =>
    process.stdout.write(
      `${formatLogLine('launcher', JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: message }), colour)}\n`,
    );

  if (await ensureDatabaseExists(env.DATABASE_URL)) say('created the database');
  const db = await Database.connect({
    url: env.DATABASE_URL,
    applicationName: 'inflow-launcher',
    poolSize: 1,
  });
  try {
    const applied = await db.migrateUp();
    say(applied.length === 0 ? 'schema up to date' : `applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await db.close();
    throw error;
  }

  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT_BASE}`;
  let sandbox: Sandbox | null = null;
  if (env.DISCORD_BOT_TOKEN === undefined) {
    sandbox = await startSandbox(env.SANDBOX_DISCORD_PORT, publicUrl);
    say(`sandbox: no DISCORD_BOT_TOKEN, so Discord is the emulator at ${sandbox.emulator.url}`);
  }
  const inherited = inheritedEnv();
  const serviceEnv = {
    ...inherited,
    PUBLIC_URL: publicUrl,
    // In the sandbox the story is told by the narrator; services speak up only for warnings.
    ...(sandbox === null ? {} : { LOG_LEVEL: inherited.LOG_LEVEL ?? 'warn', ...sandbox.env }),
  };

  let exitCode = 0;
  const supervisor = new Supervisor({
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    onLine: (service, line) => process.stdout.write(`${formatLogLine(service, line, colour)}\n`),
    onEvent: say,
    onFatal: (service) => {
      say(`${service} cannot start with this configuration (see its message above); stopping`);
      exitCode = 1;
      void stop('configuration error');
    },
  });

  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      say(`stopping (${reason})`);
      const clean = await supervisor.stop();
      await sandbox?.emulator.stop();
      await db.close();
      say(clean ? 'all services stopped' : 'some services had to be killed');
      process.exit(clean ? exitCode : 1);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const ports = new Map<string, number>();
  for (const service of SERVICES) {
    const port = env.PORT_BASE + service.portOffset;
    ports.set(service.name, port);
    supervisor.start({
      name: service.name,
      entry: require.resolve(service.entry),
      env: { ...serviceEnv, PORT: String(port) },
    });
  }
  try {
    await waitUntilReady(ports, env.START_TIMEOUT_MS);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    exitCode = 1;
    await stop('start failed');
    return;
  }
  say(`ready: ${[...ports].map(([name, port]) => `${name} http://127.0.0.1:${port}`).join(', ')}`);
  if (sandbox === null) {
    await db.close();
    say(
      `the merchant API is at ${publicUrl}; create a merchant with: pnpm admin merchant create --name "My shop"`,
    );
    return;
  }
  try {
    const ready = await setUpSandbox(
      sandbox,
      db,
      publicUrl,
      require.resolve('@inflow/api/dist/admin/main.js'),
      serviceEnv,
    );
    narrateSandbox(sandbox.emulator, say);
    process.stdout.write(sandboxBanner(ready, sandbox.emulator.url));
  } catch (error) {
    say(`sandbox setup failed: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
    await stop('sandbox setup failed');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`launcher: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
