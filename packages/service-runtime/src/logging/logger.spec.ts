import { describe, expect, it } from '@jest/globals';
import { captureLogs } from '../test/log-capture';
import { createLogger } from './logger';

const EMAIL = 'jane.doe@example.com';
const SECRETS = [
  'inflow_priv_3f9a8c1d2e',
  'Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.Gh1jK2.abcdef',
  'Bearer oauth-access-xyz',
  'oauth-refresh-xyz',
  'session=s3cr3t-cookie',
  'client-secret-value',
  'hunter2-password',
];

describe('createLogger', () => {
  it('writes JSON lines with a level label, an ISO time and the service name', () => {
    const logs = captureLogs();
    const logger = createLogger({
      service: 'role-sync-worker',
      level: 'info',
      destination: logs.destination,
    });
    logger.debug('hidden below the level');
    logger.info({ guildId: '1100000000000000001' }, 'role granted');
    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'role-sync-worker',
        guildId: '1100000000000000001',
        msg: 'role granted',
      }),
    ]);
    const [record] = logs.records();
    expect(new Date(String(record?.time)).toISOString()).toBe(record?.time);
  });

  it('censors secrets and e-mail addresses at the top level and one or two levels down', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'api', level: 'trace', destination: logs.destination });
    logger.info({ apiKey: SECRETS[0], email: EMAIL }, 'top level');
    logger.info({ bot: { token: SECRETS[1] }, customer: { id: 'cus_1', email: EMAIL } }, 'one level');
    logger.info(
      {
        subscription: { customer: { email: EMAIL } },
        link: { tokens: { accessToken: SECRETS[2], refresh_token: SECRETS[3] } },
      },
      'two levels',
    );
    logger.info(
      {
        req: {
          method: 'POST',
          url: '/events',
          headers: { authorization: SECRETS[2], cookie: SECRETS[4], 'x-inflow-api-key': SECRETS[0] },
        },
        res: { statusCode: 200, headers: { 'set-cookie': [SECRETS[4]] } },
      },
      'request',
    );
    logger.info(
      {
        oauth: { clientSecret: SECRETS[5], client_secret: SECRETS[5], access_token: SECRETS[2] },
        admin: { password: SECRETS[6] },
      },
      'oauth',
    );
    const text = logs.text();
    for (const secret of [...SECRETS, EMAIL]) expect(text).not.toContain(secret);
    expect(text).toContain('"customer":{"id":"cus_1","email":"[redacted]"}');
    expect(text).toContain('"method":"POST"');
  });

  it('logs errors with message, code and stack but without the request body they carry', () => {
    const logs = captureLogs();
    const logger = createLogger({
      service: 'notification-worker',
      level: 'info',
      destination: logs.destination,
    });
    const error = Object.assign(new Error('Missing Permissions', { cause: new Error('socket hang up') }), {
      name: 'DiscordAPIError[50013]',
      code: 50013,
      status: 403,
      url: 'https://discord.com/api/v10/webhooks/1100000000000000002/secret-webhook-token',
      requestBody: { json: { content: `paid by ${EMAIL}` } },
      rawError: { message: 'Missing Permissions', code: 50013 },
    });
    logger.error({ err: error, guildId: '1100000000000000001' }, 'post failed');
    logger.error(error);
    const [first, second] = logs.records();
    expect(first?.err).toEqual({
      type: 'DiscordAPIError[50013]',
      message: 'Missing Permissions',
      code: 50013,
      status: 403,
      stack: expect.stringContaining('Missing Permissions'),
      cause: { type: 'Error', message: 'socket hang up', stack: expect.any(String) },
    });
    expect(second?.err).toEqual(first?.err);
    expect(logs.text()).not.toContain(EMAIL);
    expect(logs.text()).not.toContain('secret-webhook-token');
  });

  it('keeps the members of an AggregateError, whose own message is empty for dual-stack connect failures', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'api', level: 'info', destination: logs.destination });
    const refused = Object.assign(
      new AggregateError([
        new Error('connect ECONNREFUSED ::1:6379'),
        new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      ]),
      { code: 'ECONNREFUSED' },
    );
    logger.error({ err: refused }, 'redis down');
    expect(logs.records()[0]?.err).toMatchObject({
      type: 'AggregateError',
      code: 'ECONNREFUSED',
      errors: [
        { message: 'connect ECONNREFUSED ::1:6379' },
        { message: 'connect ECONNREFUSED 127.0.0.1:6379' },
      ],
    });
  });

  it('describes a thrown non-Error without dumping it', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'api', level: 'info', destination: logs.destination });
    logger.error({ err: { body: { email: EMAIL } } }, 'odd throw');
    logger.error({ err: 'plain string' }, 'string throw');
    expect(logs.records().map((record) => record.err)).toEqual([
      { type: 'object', message: 'non-Error value of type object' },
      { type: 'string', message: 'plain string' },
    ]);
  });
});
