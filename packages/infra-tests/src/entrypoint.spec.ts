import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serviceNodeFlags } from '@inflow/service-runtime';
import { repoPath } from './repo-files';
import { SERVICES } from './service-env-catalog';

/*
 * Runs the image's real entrypoint with POSIX sh, with a stand-in `node` first on PATH that prints
 * the arguments it was exec'd with, the SHARD_IDS it inherited and its process id, so what the
 * container would run is observed without building the image.
 */
let bin: string;

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'inflow-entrypoint-'));
  const node = join(bin, 'node');
  writeFileSync(
    node,
    '#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "SHARD_IDS=%s\\n" "${SHARD_IDS-<unset>}"\necho "PID=$$"\n',
  );
  chmodSync(node, 0o755);
});

afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('sh', [repoPath('infra/docker/entrypoint.sh'), ...args], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOSTNAME: 'a1b2c3d4e5f6', ...env },
    encoding: 'utf8',
  });
  const lines = result.stdout.split('\n').filter(Boolean);
  const pid = lines.pop();
  if (pid !== undefined && pid !== `PID=${result.pid}`) {
    throw new Error(`node ran as ${pid}, not as the entrypoint's process ${result.pid}: it was not exec'd`);
  }
  return { code: result.status, stdout: pid === undefined ? [] : lines, stderr: result.stderr };
}

describe('infra/docker/entrypoint.sh', () => {
  it.each(SERVICES)(
    'execs node for %s with the flags serviceNodeFlags gives, so that node itself gets SIGTERM',
    (service) => {
      expect(run([service])).toEqual({
        code: 0,
        stdout: [...serviceNodeFlags(service), `services/${service}/dist/main.js`, 'SHARD_IDS=<unset>'],
        stderr: '',
      });
    },
  );

  it('runs the migration, and passes the admin CLI its arguments', () => {
    expect(run(['migrate']).stdout).toEqual([
      '--enable-source-maps',
      'packages/db/dist/cli/migrate.js',
      'up',
      'SHARD_IDS=<unset>',
    ]);
    expect(run(['admin', 'merchant', 'create', '--name', 'Acme Games', '--json']).stdout).toEqual([
      '--enable-source-maps',
      'services/api/dist/admin/main.js',
      'merchant',
      'create',
      '--name',
      'Acme Games',
      '--json',
      'SHARD_IDS=<unset>',
    ]);
  });

  it('refuses an unknown service, a missing one, or extra arguments, with its usage and EX_USAGE', () => {
    for (const args of [[], ['worker'], ['api', '--port', '80']]) {
      const result = run(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 64, stdout: [] });
      expect(result.stderr).toMatch(/^usage: inflow api \| gateway-worker \|/);
    }
  });

  it('gives a gateway pod the shards of its ordinal from POD_INDEX (the pod-index label)', () => {
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '4', POD_INDEX: '2' }).stdout.at(-1)).toBe(
      'SHARD_IDS=8-11',
    );
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '1', POD_INDEX: '0' }).stdout.at(-1)).toBe(
      'SHARD_IDS=0',
    );
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '1', POD_INDEX: '13' }).stdout.at(-1)).toBe(
      'SHARD_IDS=13',
    );
  });

  it('falls back to the StatefulSet hostname’s ordinal where the pod-index label is missing (before 1.28)', () => {
    const env = { SHARDS_PER_POD: '2', POD_INDEX: '', HOSTNAME: 'inflow-gateway-worker-3' };
    expect(run(['gateway-worker'], env).stdout.at(-1)).toBe('SHARD_IDS=6-7');
  });

  it('leaves an explicit SHARD_IDS alone, and derives nothing without SHARDS_PER_POD', () => {
    expect(
      run(['gateway-worker'], { SHARDS_PER_POD: '2', POD_INDEX: '1', SHARD_IDS: '0,5' }).stdout.at(-1),
    ).toBe('SHARD_IDS=0,5');
    expect(run(['gateway-worker'], { POD_INDEX: '1' }).stdout.at(-1)).toBe('SHARD_IDS=<unset>');
    // Only the gateway shards: another service started with the same variables is not given any.
    expect(run(['role-sync-worker'], { SHARDS_PER_POD: '2', POD_INDEX: '1' }).stdout.at(-1)).toBe(
      'SHARD_IDS=<unset>',
    );
  });

  it('stops with EX_CONFIG and one line when the shards cannot be worked out', () => {
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '0', POD_INDEX: '1' })).toEqual({
      code: 78,
      stdout: [],
      stderr: 'inflow: invalid configuration: SHARDS_PER_POD must be a positive integer\n',
    });
    expect(run(['gateway-worker'], { SHARDS_PER_POD: 'two', POD_INDEX: '1' }).code).toBe(78);
    // 08 would be read as a bad octal number by sh arithmetic: refused like any other non-count.
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '08', POD_INDEX: '1' }).code).toBe(78);
    expect(run(['gateway-worker'], { SHARDS_PER_POD: '2', HOSTNAME: 'gateway' })).toEqual({
      code: 78,
      stdout: [],
      stderr:
        'inflow: invalid configuration: SHARDS_PER_POD needs POD_INDEX or a hostname ending in -<ordinal>\n',
    });
  });
});
