import { parseArgs } from 'node:util';
import { type EmulatorOptions } from './emulator-options';

/** `--help` text of the emulator CLI. */
export const CLI_USAGE = `Usage: inflow-discord-emulator [options]

  --port <n>                   port on 127.0.0.1 (default 5055; 0 = random)
  --bot-token <token>          bot token (default emulator-bot-token)
  --application-id <id>        application / client id
  --bot-user-id <id>           bot user id (default: the application id)
  --client-secret <secret>     OAuth client secret (default emulator-client-secret)
  --redirect-uri <uri>         registered OAuth redirect URI (repeatable)
  --global-rate-limit <n>      requests per second per token (default 50)
  --member-role-limit <n>      member-role bucket size per guild (default 10)
  --member-role-window-ms <n>  member-role bucket window (default 10000)
  --invalid-max <n>            invalid requests per window before a ban (default 10000)
  --invalid-window-ms <n>      invalid-request window (default 600000)
  --invalid-ban-ms <n>         ban duration (default 3600000)
  --token-ttl-seconds <n>      OAuth access token lifetime (default 604800)
  --heartbeat-interval-ms <n>  gateway heartbeat interval (default 41250)
  --no-seed                    do not create the demo guild
  --quiet                      do not log events
  --help                       show this help`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got "${value}"`);
  return parsed;
}

/** What the command line asks for. */
export interface CliArgs {
  options: EmulatorOptions;
  /** Create the demo guild at start (default; `--no-seed` turns it off). */
  seed: boolean;
  /** Print events as they happen (default; `--quiet` turns it off). */
  verbose: boolean;
  help: boolean;
}

/** Parses the emulator's command line; throws with a readable message on a bad value. */
export function parseCliArgs(args: string[]): CliArgs {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string', default: '5055' },
      'bot-token': { type: 'string' },
      'application-id': { type: 'string' },
      'bot-user-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'global-rate-limit': { type: 'string' },
      'member-role-limit': { type: 'string' },
      'member-role-window-ms': { type: 'string' },
      'invalid-max': { type: 'string' },
      'invalid-window-ms': { type: 'string' },
      'invalid-ban-ms': { type: 'string' },
      'token-ttl-seconds': { type: 'string' },
      'heartbeat-interval-ms': { type: 'string' },
      'no-seed': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const options: EmulatorOptions = { port: number('port', values.port) ?? 5055 };
  if (values['bot-token'] !== undefined) options.botToken = values['bot-token'];
  if (values['application-id'] !== undefined) options.applicationId = values['application-id'];
  if (values['bot-user-id'] !== undefined) options.botUserId = values['bot-user-id'];
  if (values['client-secret'] !== undefined) options.clientSecret = values['client-secret'];
  if (values['redirect-uri'] !== undefined) options.redirectUris = values['redirect-uri'];
  const globalRateLimit = number('global-rate-limit', values['global-rate-limit']);
  if (globalRateLimit !== undefined) options.globalRateLimit = globalRateLimit;
  const roleLimit = number('member-role-limit', values['member-role-limit']);
  const roleWindow = number('member-role-window-ms', values['member-role-window-ms']);
  if (roleLimit !== undefined || roleWindow !== undefined) {
    options.memberRoleBucket = { limit: roleLimit ?? 10, windowMs: roleWindow ?? 10_000 };
  }
  const invalidMax = number('invalid-max', values['invalid-max']);
  const invalidWindow = number('invalid-window-ms', values['invalid-window-ms']);
  const invalidBan = number('invalid-ban-ms', values['invalid-ban-ms']);
  if (invalidMax !== undefined || invalidWindow !== undefined || invalidBan !== undefined) {
    options.invalidRequestLimit = {
      max: invalidMax ?? 10_000,
      windowMs: invalidWindow ?? 600_000,
      banMs: invalidBan ?? 3_600_000,
    };
  }
  const ttl = number('token-ttl-seconds', values['token-ttl-seconds']);
  if (ttl !== undefined) options.tokenTtlSeconds = ttl;
  const heartbeat = number('heartbeat-interval-ms', values['heartbeat-interval-ms']);
  if (heartbeat !== undefined) options.heartbeatIntervalMs = heartbeat;

  return { options, seed: !values['no-seed'], verbose: !values.quiet, help: values.help };
}
