import { describe, expect, it } from '@jest/globals';
import { interpolate } from './compose-interpolation';
import { composeSchemaErrors } from './compose-schema';
import {
  asArray,
  asObject,
  asString,
  isObject,
  parseEnvFile,
  parseYaml,
  readRepoFile,
  type JsonObject,
} from './repo-files';
import { envSpec, isCommand, SERVICES, type Command } from './service-env-catalog';
import { SET_IN_EVERY_DEPLOYMENT, sharedFieldErrors } from './shared-env-values';

const raw = parseYaml(readRepoFile('docker-compose.yml'));
const example = parseEnvFile(readRepoFile('infra/compose.env.example'));

/** The example with its blanks filled in as an operator would, with values of the right shapes. */
const filled = new Map(example);
filled.set('POSTGRES_PASSWORD', 'k3vQx9TmW2pLr8Zb');
filled.set('DISCORD_BOT_TOKEN', 'MTE4NzY1NDMyMTA5ODc2NTQzMg.GxYzAb.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9');
filled.set('DISCORD_CLIENT_ID', '1187654321098765432');
filled.set('DISCORD_CLIENT_SECRET', 'q8Wm3nVb7Xc2Zl9Kp4Jh6Gf1Ds5Ae0Ry');
filled.set('TOKEN_ENCRYPTION_KEY', Buffer.alloc(32, 7).toString('base64'));

const compose = asObject(interpolate(raw, filled).value, 'docker-compose.yml');
const services = asObject(compose.services, 'services');
const PRODUCT_IMAGE = '${INFLOW_IMAGE:-inflow:local}';

/** The services that run the product image, with the entrypoint command each runs. */
const appServices: Array<[name: string, command: Command, service: JsonObject]> = Object.entries(services)
  .map(([name, value]): [string, JsonObject] => [name, asObject(value, name)])
  .filter(([, service]) => service.build !== undefined)
  .map(([name, service]) => {
    const command = asString(asArray(service.command, `${name}.command`)[0], `${name}.command[0]`);
    if (!isCommand(command)) throw new Error(`${name} runs an unknown command ${command}`);
    return [name, command, service];
  });

function environment(service: JsonObject, name: string): Map<string, string> {
  const entries = Object.entries(asObject(service.environment, `${name}.environment`));
  return new Map(entries.map(([key, value]) => [key, String(value)]));
}

/** Seconds of a Compose duration such as `35s` or `1m30s`. */
function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g))
    total += Number(amount) * units[unit!]!;
  return total;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema once interpolated', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it('the schema check catches what Compose would reject (a misspelled key, a bad condition)', () => {
    const broken = structuredClone(compose);
    const api = asObject(asObject(broken.services, 'services').api, 'api');
    api.stop_grace_periode = '20s';
    asObject(asObject(api.depends_on, 'depends_on').postgres, 'postgres').condition = 'service_ready';
    expect(composeSchemaErrors(broken)).toEqual(
      expect.arrayContaining([expect.stringContaining('stop_grace_periode')]),
    );
    expect(composeSchemaErrors(broken).some((error) => error.includes('/depends_on'))).toBe(true);
  });

  it('runs Postgres, Redis, the migration and each of the five services from the product image', () => {
    expect(appServices.map(([, command]) => command).sort()).toEqual([...SERVICES, 'migrate'].sort());
    for (const [name, , service] of appServices) {
      expect({ name, image: service.image }).toEqual({ name, image: 'inflow:local' });
      expect(service.build).toEqual({ context: '.', dockerfile: 'infra/docker/Dockerfile' });
    }
    const rawServices = asObject(asObject(raw, 'root').services, 'services');
    for (const [name] of appServices) {
      expect({ name, image: asObject(rawServices[name], name).image }).toEqual({
        name,
        image: PRODUCT_IMAGE,
      });
    }
    expect(Object.keys(services).sort()).toEqual(
      [...appServices.map(([name]) => name), 'postgres', 'redis'].sort(),
    );
  });

  it('sets only variables that the env.ts of the command each container runs reads', () => {
    for (const [name, command, service] of appServices) {
      const unknown = [...environment(service, name).keys()].filter(
        (key) => !envSpec(command).names.has(key),
      );
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('provides every required variable, and the connection and URL settings that must not be defaults', () => {
    for (const [name, command, service] of appServices) {
      const env = environment(service, name);
      const spec = envSpec(command);
      const needed = [...spec.required, ...SET_IN_EVERY_DEPLOYMENT.filter((key) => spec.names.has(key))];
      const missing = needed.filter((key) => (env.get(key) ?? '') === '');
      expect({ name, missing }).toEqual({ name, missing: [] });
      expect({ name, errors: sharedFieldErrors(env) }).toEqual({ name, errors: [] });
    }
  });

  it('stops with a message naming each required secret that the env file leaves empty', () => {
    const { errors } = interpolate(raw, example);
    const required = new Set(['POSTGRES_PASSWORD']);
    for (const [, command] of appServices) for (const key of envSpec(command).required) required.add(key);
    expect(new Set(errors.map((error) => error.split(':')[0]))).toEqual(required);
    for (const error of errors) expect(error).toMatch(/^(\w+): set \1 in infra\/compose\.env$/);
  });

  it('documents every variable it reads in infra/compose.env.example, and nothing else', () => {
    const { variables } = interpolate(raw, filled);
    expect([...variables].sort()).toEqual([...example.keys()].sort());
  });

  it('never contains a secret: tokens, keys and passwords come from the env file', () => {
    const rawServices = asObject(asObject(raw, 'root').services, 'services');
    for (const [name] of appServices) {
      const env = asObject(asObject(rawServices[name], name).environment, `${name}.environment`);
      for (const key of ['DISCORD_BOT_TOKEN', 'DISCORD_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEY']) {
        if (env[key] !== undefined) expect(env[key]).toBe(`\${${key}:?set ${key} in infra/compose.env}`);
      }
    }
    expect(readRepoFile('infra/.gitignore').split('\n')).toContain('compose.env');
  });

  it('connects every service to the compose Postgres and Redis', () => {
    for (const [name, , service] of appServices) {
      const env = environment(service, name);
      expect(new URL(env.get('DATABASE_URL')!).host).toBe('postgres:5432');
      if (env.has('REDIS_URL')) expect(new URL(env.get('REDIS_URL')!).host).toBe('redis:6379');
    }
  });

  it('starts services after a healthy Postgres and Redis and a migration that completed successfully', () => {
    for (const [name, command, service] of appServices) {
      const dependsOn = asObject(service.depends_on, `${name}.depends_on`);
      expect({ name, dependsOn }).toEqual({
        name,
        dependsOn:
          command === 'migrate'
            ? { postgres: { condition: 'service_healthy' } }
            : {
                postgres: { condition: 'service_healthy' },
                redis: { condition: 'service_healthy' },
                migrate: { condition: 'service_completed_successfully' },
              },
      });
    }
    const migrate = asObject(services.migrate, 'migrate');
    expect(migrate.restart).toBe('no');
    expect(migrate.healthcheck).toBeUndefined();
  });

  it('checks each service’s /readyz on the port it listens on (its PORT)', () => {
    for (const [name, command, service] of appServices) {
      if (command === 'migrate') continue;
      const port = environment(service, name).get('PORT');
      const test = asArray(asObject(service.healthcheck, `${name}.healthcheck`).test, 'test').map(String);
      expect({ name, test: test.slice(0, 3) }).toEqual({ name, test: ['CMD', 'node', '-e'] });
      expect({ name, probe: test[3]?.match(/fetch\('(http:\/\/[^']+)'\)/)?.[1] }).toEqual({
        name,
        probe: `http://127.0.0.1:${port}/readyz`,
      });
    }
  });

  it('gives each service more time to stop than its own SHUTDOWN_TIMEOUT_MS (Docker’s default is 10 s)', () => {
    for (const [name, command, service] of appServices) {
      if (command === 'migrate') continue;
      const timeoutMs = Number(environment(service, name).get('SHUTDOWN_TIMEOUT_MS'));
      const grace = seconds(asString(service.stop_grace_period, `${name}.stop_grace_period`));
      expect({ name, graceExceedsTimeout: grace * 1000 >= timeoutMs + 5000 }).toEqual({
        name,
        graceExceedsTimeout: true,
      });
    }
  });

  it('can scale every service with --scale: no fixed container names, only the api publishes, as a range', () => {
    for (const [name, , service] of appServices) {
      expect({ name, containerName: service.container_name }).toEqual({ name, containerName: undefined });
      if (name !== 'api') expect({ name, ports: service.ports }).toEqual({ name, ports: undefined });
    }
    expect(asObject(services.api, 'api').ports).toEqual(['3000-3004:3000']);
  });

  it('runs Redis without eviction and with an append-only file synced every second', () => {
    const redis = asObject(services.redis, 'redis');
    const args = asArray(redis.command, 'redis.command').map(String);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args[0]).toBe('redis-server');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--appendfsync')).toBe('everysec');
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(asObject(redis.healthcheck, 'redis.healthcheck').test).toEqual([
      'CMD-SHELL',
      '[ "$(redis-cli ping)" = PONG ]',
    ]);
  });

  it('keeps Postgres data in a volume and checks it over TCP, which listens only once initialised', () => {
    const postgres = asObject(services.postgres, 'postgres');
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    const test = asArray(asObject(postgres.healthcheck, 'postgres.healthcheck').test, 'test');
    expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(test).toContain('--host=127.0.0.1');
    expect(Object.keys(asObject(compose.volumes, 'volumes')).sort()).toEqual(['postgres-data', 'redis-data']);
    expect(isObject(postgres.environment) && postgres.environment.POSTGRES_PASSWORD).toBe(
      filled.get('POSTGRES_PASSWORD'),
    );
  });
});
