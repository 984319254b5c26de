import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { typeScriptExecArgv } from '@inflow/testing';
import { eventually } from './test/fixtures';

describe('emulator CLI', () => {
  it('prints its URLs and a seeded guild, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [...typeScriptExecArgv, join(__dirname, 'cli.ts'), '--port', '0', '--quiet'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(
        () => stdout.includes('"authorizingUserId"'),
        15_000,
        `CLI output (stderr: ${stderr})`,
      );
      const url = /Discord emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      expect(stdout).toMatch(/gateway\s+ws:\/\/127\.0\.0\.1:\d+\/gateway/);
      const guildId = /"guildId": "(\d+)"/.exec(stdout)?.[1];
      const roles = await fetch(`${url!}/api/v10/guilds/${guildId!}/roles`, {
        headers: { Authorization: 'Bot emulator-bot-token' },
      });
      expect(roles.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    await expect(exited).resolves.toBe(0);
    expect(stdout).toContain('Received SIGTERM, stopping the emulator');
  });
});
