import { describe, expect, it } from '@jest/globals';
import { parseCliArgs } from './cli-args';

describe('parseCliArgs', () => {
  it('defaults to port 5055, seeding and logging', () => {
    expect(parseCliArgs([])).toEqual({ options: { port: 5055 }, seed: true, verbose: true, help: false });
  });

  it('maps every flag onto the emulator options', () => {
    const { options, seed, verbose } = parseCliArgs([
      '--port=0',
      '--bot-token',
      'tok',
      '--redirect-uri',
      'http://localhost:1/a',
      '--redirect-uri',
      'http://localhost:1/b',
      '--global-rate-limit',
      '20',
      '--member-role-window-ms',
      '500',
      '--invalid-max',
      '50',
      '--token-ttl-seconds',
      '60',
      '--no-seed',
      '--quiet',
    ]);
    expect(options).toEqual({
      port: 0,
      botToken: 'tok',
      redirectUris: ['http://localhost:1/a', 'http://localhost:1/b'],
      globalRateLimit: 20,
      memberRoleBucket: { limit: 10, windowMs: 500 },
      invalidRequestLimit: { max: 50, windowMs: 600_000, banMs: 3_600_000 },
      tokenTtlSeconds: 60,
    });
    expect([seed, verbose]).toEqual([false, false]);
  });

  it('rejects unknown flags and non-numbers', () => {
    expect(() => parseCliArgs(['--nope'])).toThrow();
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow('--port must be a number, got "abc"');
  });
});
