import { parseArgs } from 'node:util';
import { Database } from '@inflow/db';
import {
  createKey,
  createMerchant,
  listKeys,
  listMerchants,
  revokeKey,
  setOperator,
  UsageError,
  type CommandOutput,
} from './admin-commands';
import { loadAdminEnv } from './env';

const USAGE = `usage: pnpm admin <command> [options]
  merchant create --name <name> [--operator] [--json]
                                             create a merchant and its first API key
  merchant list [--json]
  merchant operator --merchant <id> [--revoke] [--json]
                                             let the merchant open the queue dashboard (or stop it)
  key create --merchant <id> [--label <text>] [--json]
  key list --merchant <id> [--json]
  key revoke --merchant <id> --key <apiKeyId> [--json]`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      merchant: { type: 'string' },
      key: { type: 'string' },
      label: { type: 'string' },
      operator: { type: 'boolean', default: false },
      revoke: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals.join(' ');
  if (values.help || command === '') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const required = (flag: 'name' | 'merchant' | 'key'): string => {
    const value = values[flag];
    if (value === undefined || value === '') throw new UsageError(`${command} needs --${flag}`);
    return value;
  };

  const env = loadAdminEnv();
  const db = await Database.connect({ url: env.DATABASE_URL, applicationName: 'inflow-admin', poolSize: 1 });
  try {
    const repositories = db.repositories;
    let output: CommandOutput;
    switch (command) {
      case 'merchant create':
        output = await createMerchant(repositories, required('name'), values.operator);
        break;
      case 'merchant operator':
        output = await setOperator(repositories, required('merchant'), !values.revoke);
        break;
      case 'merchant list':
        output = await listMerchants(repositories);
        break;
      case 'key create':
        output = await createKey(repositories, required('merchant'), values.label ?? null);
        break;
      case 'key list':
        output = await listKeys(repositories, required('merchant'));
        break;
      case 'key revoke':
        output = await revokeKey(repositories, required('merchant'), required('key'));
        break;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    process.stdout.write(values.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`admin: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
