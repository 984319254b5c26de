import { type z } from 'zod';
import { scrubSecrets, secretValuesOf } from './secret-env';

/** The exit code for a configuration error (sysexits.h EX_CONFIG). */
export const EX_CONFIG = 78;

export interface LoadEnvOptions {
  /** Ends the process after the message is written. Default `process.exit`; tests pass one that throws. */
  exit?: (code: number) => never;
  /** Receives the one-line message. Default `process.stderr`. */
  stderr?: { write(text: string): unknown };
}

/**
 * Parses the environment once at startup with the service's zod schema and returns the typed config.
 * On any problem it writes exactly one line to stderr, naming every bad variable and why but never a
 * secret value, and exits with 78: a misconfigured process must not start and must not crash-loop with
 * a stack trace that hides the cause.
 *
 * Empty variables count as unset, because compose files and manifests often write `NAME=` for "none".
 */
export function loadEnv<Schema extends z.ZodObject>(
  service: string,
  schema: Schema,
  source: NodeJS.ProcessEnv,
  options: LoadEnvOptions = {},
): z.output<Schema> {
  const present = Object.fromEntries(
    Object.entries(source).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;

  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = issue.path.length > 0 ? String(issue.path[0]) : '';
    if (problems.has(name)) continue;
    problems.set(name, describe(name, issue, present));
  }
  const line = `${service}: invalid configuration: ${[...problems.values()].join('; ')}`;
  // Only the schema's own variables can reach the message; unrelated variables (a CI's `*_KEY=1`)
  // must not turn every "1" into [redacted].
  const declared = Object.fromEntries(Object.entries(present).filter(([name]) => name in schema.shape));
  (options.stderr ?? process.stderr).write(`${scrubSecrets(line, secretValuesOf(declared))}\n`);
  return (options.exit ?? ((code: number) => process.exit(code)))(EX_CONFIG);
}

function describe(name: string, issue: z.core.$ZodIssue, present: Readonly<Record<string, string>>): string {
  const { message } = issue;
  if (name === '') return message;
  if (present[name] === undefined && issue.code === 'invalid_type') return `${name} is required`;
  // Field schemas phrase their messages as predicates ("must be …"); zod's own messages are sentences.
  return /^[a-z]/.test(message) ? `${name} ${message}` : `${name}: ${message}`;
}
