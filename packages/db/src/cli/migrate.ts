import { Database } from '../database';
import { ensureDatabaseExists } from '../ensure-database';
import { loadMigrateEnv } from './env';

/**
 * `pnpm db:migrate` (up), `pnpm db:revert` (down: the most recent migration), `status`.
 * Creates the database first when it does not exist, so a fresh server needs no manual step.
 */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    throw new Error('usage: migrate.js up | down | status');
  }
  const { DATABASE_URL } = loadMigrateEnv();
  const database = new URL(DATABASE_URL).pathname.slice(1);
  if (command === 'up' && (await ensureDatabaseExists(DATABASE_URL))) {
    process.stdout.write(`created database ${database}\n`);
  }
  const db = await Database.connect({ url: DATABASE_URL, applicationName: 'inflow-migrate', poolSize: 1 });
  try {
    if (command === 'up') {
      const applied = await db.migrateUp();
      process.stdout.write(
        applied.length === 0
          ? `${database}: schema up to date\n`
          : `${database}: applied ${applied.join(', ')}\n`,
      );
    } else if (command === 'down') {
      const reverted = await db.migrateDown();
      process.stdout.write(
        reverted === null ? `${database}: no migration to revert\n` : `${database}: reverted ${reverted}\n`,
      );
    } else {
      const status = await db.migrationStatus();
      process.stdout.write(`${JSON.stringify(status)}\n`);
    }
  } finally {
    await db.close();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`db:migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
