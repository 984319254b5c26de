import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import globalSetup from './global-setup';

/**
 * End-to-end tests run the services as built processes, so the build must be current. Turbo makes this
 * cheap when nothing changed (everything is a cache hit).
 */
export default async function e2eGlobalSetup(): Promise<void> {
  await globalSetup();
  const root = resolve(__dirname, '../../../..');
  execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
}
