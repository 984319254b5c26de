import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { databaseUrl, envUrl, logLevel, port, queuePrefix, redisUrl, shutdownTimeoutMs } from './env-fields';
import { EX_CONFIG, loadEnv } from './load-env';

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`exit(${code})`);
  }
}

const workerSchema = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: port(3002),
  LOG_LEVEL: logLevel,
  QUEUE_PREFIX: queuePrefix,
  SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
});

/** Runs loadEnv and returns either the config or what it wrote and the exit code it asked for. */
function load<Schema extends z.ZodObject>(schema: Schema, source: NodeJS.ProcessEnv) {
  let written = '';
  try {
    const config = loadEnv('role-sync-worker', schema, source, {
      stderr: { write: (text: string) => (written += text) },
      exit: (code) => {
        throw new ExitCalled(code);
      },
    });
    return { config, written, code: undefined };
  } catch (error) {
    if (!(error instanceof ExitCalled)) throw error;
    return { config: undefined, written, code: error.code };
  }
}

describe('loadEnv', () => {
  it('applies the defaults of the configuration table', () => {
    expect(load(workerSchema, {}).config).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/inflow',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3002,
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: 'inflow',
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it('parses valid values into their types and treats empty variables as unset', () => {
    const { config } = load(workerSchema, {
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/inflow?sslmode=require',
      REDIS_URL: 'rediss://default:pw@cache.internal:6380/2',
      PORT: '8080',
      LOG_LEVEL: '',
      QUEUE_PREFIX: '{inflow}',
      SHUTDOWN_TIMEOUT_MS: '25000',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: '{inflow}',
      SHUTDOWN_TIMEOUT_MS: 25_000,
    });
  });

  it('names every bad variable on exactly one line and exits with EX_CONFIG', () => {
    const result = load(workerSchema, { REDIS_URL: 'nonsense', PORT: '70000' });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.written).toBe(
      'role-sync-worker: invalid configuration: REDIS_URL must be a redis:// or rediss:// URL; ' +
        'PORT must be an integer between 1 and 65535\n',
    );
  });

  it.each([
    [
      'DATABASE_URL',
      'mysql://root@127.0.0.1/inflow',
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
    ],
    ['DATABASE_URL', 'postgres://', 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL must be a redis:// or rediss:// URL'],
    ['PORT', '0', 'PORT must be an integer between 1 and 65535'],
    ['PORT', '30OO', 'PORT must be an integer between 1 and 65535'],
    ['PORT', '-1', 'PORT must be an integer between 1 and 65535'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    ['QUEUE_PREFIX', 'inflow prod', 'QUEUE_PREFIX must use only letters, digits'],
    ['QUEUE_PREFIX', '{a}{b}', 'QUEUE_PREFIX must use only letters, digits'],
    [
      'SHUTDOWN_TIMEOUT_MS',
      '10s',
      'SHUTDOWN_TIMEOUT_MS must be an integer of milliseconds between 1 and 600000',
    ],
  ])('rejects %s=%s', (name, value, message) => {
    const result = load(workerSchema, { [name]: value });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.written).toContain(message);
    expect(result.written.split('\n')).toHaveLength(2);
  });

  it('reports a missing required variable as required', () => {
    const schema = z.object({ DISCORD_BOT_TOKEN: z.string().min(1), REDIS_URL: redisUrl });
    expect(load(schema, {}).written).toBe(
      'role-sync-worker: invalid configuration: DISCORD_BOT_TOKEN is required\n',
    );
  });

  it('keeps zod messages readable for schemas a service writes itself', () => {
    const schema = z.object({ DISCORD_GLOBAL_RATE_LIMIT: z.coerce.number().int().positive() });
    expect(load(schema, { DISCORD_GLOBAL_RATE_LIMIT: '-5' }).written).toMatch(
      /^role-sync-worker: invalid configuration: DISCORD_GLOBAL_RATE_LIMIT: Too small/,
    );
  });

  it('never prints the value of a secret variable or the password of a URL, even when a message echoes it', () => {
    const echo = (name: string) =>
      z.string().refine(() => false, { error: (issue) => `${name} got ${String(issue.input)}` });
    const schema = z.object({
      TOKEN_ENCRYPTION_KEY: echo('key'),
      DISCORD_CLIENT_SECRET: echo('secret'),
      ADMIN_PASSWORD: echo('password'),
      PUBLIC_URL: echo('url'),
      REDIS_URL: redisUrl,
    });
    const result = load(schema, {
      TOKEN_ENCRYPTION_KEY: 'c2hvcnQta2V5LXZhbHVl',
      DISCORD_CLIENT_SECRET: 'Xq9-client-secret-Zt',
      ADMIN_PASSWORD: 'correct horse battery',
      PUBLIC_URL: 'https://admin:p%40ss-in-url@inflow.example',
      REDIS_URL: 'redis://:hunter2hunter2@',
    });
    expect(result.code).toBe(EX_CONFIG);
    for (const secret of [
      'c2hvcnQta2V5LXZhbHVl',
      'Xq9-client-secret-Zt',
      'correct horse',
      'p%40ss-in-url',
      'p@ss-in-url',
      'hunter2',
    ]) {
      expect(result.written).not.toContain(secret);
    }
    expect(result.written).toContain('PUBLIC_URL url got https://admin:[redacted]@inflow.example');
    expect(result.written).toContain('REDIS_URL must be a redis:// or rediss:// URL');
  });
  it('scrubs only the values of variables the schema declares', () => {
    const result = load(workerSchema, { PORT: '0', CI_CACHE_KEY: '1' });
    expect(result.written).toBe(
      'role-sync-worker: invalid configuration: PORT must be an integer between 1 and 65535\n',
    );
  });
});

describe('envUrl', () => {
  it('accepts only the listed schemes with a host', () => {
    const httpUrl = envUrl(['http:', 'https:']);
    expect(httpUrl.safeParse('https://discord.com/api').success).toBe(true);
    expect(httpUrl.safeParse('discord.com/api').success).toBe(false);
    expect(httpUrl.safeParse('ftp://discord.com').success).toBe(false);
  });
});
