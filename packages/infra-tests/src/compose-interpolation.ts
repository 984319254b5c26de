/*
 * Compose's variable interpolation (compose-spec "Interpolation"), so that docker-compose.yml can be
 * checked as `docker compose config` would see it: `${NAME}`, `${NAME:-default}` / `${NAME-default}`,
 * `${NAME:?message}` / `${NAME?message}`, `${NAME:+other}` / `${NAME+other}`, `$NAME`, and `$$` for a
 * literal `$`. With a colon, an empty variable counts as unset. Nested expressions are refused, since
 * the file does not use them and a half-understood one would pass unchecked.
 */

const EXPRESSION = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export interface InterpolationResult {
  /** The document with every string value interpolated (keys are not, as in Compose). */
  value: unknown;
  /** Every variable named, whether it was set or not. */
  variables: Set<string>;
  /** The messages of `:?` / `?` expressions whose variable was missing: Compose stops with these. */
  errors: string[];
}

function interpolateString(
  text: string,
  env: ReadonlyMap<string, string>,
  result: InterpolationResult,
): string {
  if (/\$\{[^}]*\$\{/.test(text)) throw new Error(`nested interpolation is not supported: ${text}`);
  return text.replace(
    EXPRESSION,
    (
      _match,
      dollar: string | undefined,
      braced: string | undefined,
      operator: string | undefined,
      argument: string | undefined,
      bare: string | undefined,
    ) => {
      if (dollar !== undefined) return '$';
      const name = (braced ?? bare)!;
      result.variables.add(name);
      const value = env.get(name);
      const colon = operator?.startsWith(':') ?? false;
      const isSet = value !== undefined && (!colon || value !== '');
      switch (operator?.replace(':', '')) {
        case undefined:
          return value ?? '';
        case '-':
          return isSet ? value : (argument ?? '');
        case '?':
          if (!isSet) result.errors.push(`${name}: ${argument ?? 'required'}`);
          return value ?? '';
        case '+':
          return isSet ? (argument ?? '') : '';
        default:
          throw new Error(`unknown interpolation operator ${operator}`);
      }
    },
  );
}

function walk(value: unknown, env: ReadonlyMap<string, string>, result: InterpolationResult): unknown {
  if (typeof value === 'string') return interpolateString(value, env, result);
  if (Array.isArray(value)) return value.map((item) => walk(item, env, result));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, env, result)]));
  }
  return value;
}

/** Interpolates a parsed Compose file with the variables of an env file, as `--env-file` would. */
export function interpolate(document: unknown, env: ReadonlyMap<string, string>): InterpolationResult {
  const result: InterpolationResult = { value: undefined, variables: new Set(), errors: [] };
  result.value = walk(document, env, result);
  return result;
}
