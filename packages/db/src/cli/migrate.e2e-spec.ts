import { afterAll, describe, expect, it } from '@jest/globals';
import { databaseUrl, dropDatabase, startNode, testEnv } from '@inflow/testing';
import { MIGRATIONS } from '../migrations';

const NAMES = MIGRATIONS.map((migration) => migration.name);

async function migrate(url: string, command: string) {
  const cli = startNode(['packages/db/dist/cli/migrate.js', command], { DATABASE_URL: url });
  return { code: await cli.exited, stdout: cli.stdout, stderr: cli.stderr };
}

describe('pnpm db:migrate / db:revert', () => {
  const name = `inflow_t_${testEnv.runId}_w${testEnv.workerId}_cli`;
  const url = databaseUrl(name);

  afterAll(async () => {
    await dropDatabase(name);
  });

  it('creates a missing database, applies every migration, and reports the schema up to date after', async () => {
    expect(await migrate(url, 'up')).toEqual({
      code: 0,
      stdout: [`created database ${name}`, `${name}: applied ${NAMES.join(', ')}`],
      stderr: [],
    });
    expect((await migrate(url, 'up')).stdout).toEqual([`${name}: schema up to date`]);
    expect(JSON.parse((await migrate(url, 'status')).stdout[0]!)).toEqual({
      applied: NAMES,
      pending: [],
    });
  });

  it('reverts the most recent migration, then says there is nothing left to revert', async () => {
    for (const migration of [...NAMES].reverse()) {
      expect((await migrate(url, 'down')).stdout).toEqual([`${name}: reverted ${migration}`]);
    }
    expect((await migrate(url, 'down')).stdout).toEqual([`${name}: no migration to revert`]);
  });

  it('refuses a bad DATABASE_URL with one line', async () => {
    expect(await migrate('mysql://root@127.0.0.1/x', 'up')).toEqual({
      code: 78,
      stdout: [],
      stderr: ['db:migrate: invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL'],
    });
  });
});
