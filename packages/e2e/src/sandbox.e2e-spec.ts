import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createEmptyDatabase,
  deleteRedisKeys,
  dropDatabase,
  eventually,
  freePortRange,
  repoRoot,
  testEnv,
  uniqueRedisPrefix,
} from '@inflow/testing';

const ALICE = '1300000000000000007';
const GUILD = '1300000000000000001';
const VIP = '1300000000000000003';

/** The README's first command: the one that installs and runs the product on a fresh machine. */
async function readmeStartCommand(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const block = /```sh\n(.+?)\n```/s.exec(readme);
  if (block?.[1] === undefined) throw new Error('README.md has no first command');
  return block[1];
}

/**
 * `pnpm install && pnpm start` as a newcomer runs it, without Discord credentials: the sandbox comes up,
 * prints a curl, and the curl gives the demo customer the role on the emulated Discord.
 */
describe('the sandbox, through the README command', () => {
  let child: ChildProcess;
  const output: string[] = [];
  let database: { name: string; url: string };
  const prefix = uniqueRedisPrefix('sandbox');

  beforeAll(async () => {
    database = await createEmptyDatabase('sandbox');
    const command = await readmeStartCommand();
    expect(command).toMatch(/install .*start/);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env))
      if (name.startsWith('DISCORD_') || name === 'NODE_OPTIONS') delete env[name];
    child = spawn('bash', ['-c', command], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        DATABASE_URL: database.url,
        REDIS_URL: testEnv.redisUrl,
        QUEUE_PREFIX: prefix,
        // The five services the launcher starts, on PORT_BASE + 0…4.
        PORT_BASE: String(await freePortRange(5)),
        SANDBOX_DISCORD_PORT: '0',
        TURBO_TELEMETRY_DISABLED: '1',
      },
    });
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (line) => output.push(line));
  });

  afterAll(async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await dropDatabase(database.name);
    await deleteRedisKeys(prefix);
  });

  it('prints the API key, dashboard, portal and a curl; the curl grants the role on Discord', async () => {
    const banner = await eventually(
      () => {
        const index = output.findIndex((line) => line.startsWith('curl '));
        if (index < 0) throw new Error(`no curl yet:\n${output.slice(-20).join('\n')}`);
        return output.slice(0, index + 1).join('\n');
      },
      240_000,
      500,
    );
    expect(banner).toMatch(/API key \(shown once\):\s+inflow_priv_[A-Za-z0-9_-]{43}/);
    expect(banner).toMatch(/Dashboard:\s+http:\/\/localhost:\d+\/dashboard/);
    expect(banner).toMatch(/Customer portal:\s+http:\/\/localhost:\d+\/portal\/s\//);
    const emulator = /Discord is a local emulator \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(banner)![1]!;
    const memberRoles = async () =>
      (
        (await (await fetch(`${emulator}/_emulator/guilds/${GUILD}/members/${ALICE}`)).json()) as {
          roles: string[];
        }
      ).roles;
    expect(await memberRoles()).not.toContain(VIP);

    const curl = output.find((line) => line.startsWith('curl '))!;
    const posted = spawn('bash', ['-c', curl], { stdio: ['ignore', 'pipe', 'inherit'] });
    let answer = '';
    posted.stdout.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => posted.once('exit', resolve));
    expect(JSON.parse(answer)).toMatchObject({ status: 'accepted' });

    await eventually(async () => expect(await memberRoles()).toContain(VIP), 30_000, 250);
    await eventually(() => expect(output.join('\n')).toContain('Discord: Alice got the @VIP role'), 10_000);
    await eventually(
      () => expect(output.join('\n')).toContain('Discord: #general ← New subscription: VIP Monthly'),
      10_000,
    );
  });
});
