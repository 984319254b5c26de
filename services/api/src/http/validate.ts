import type { z } from 'zod';
import { problems, type FieldProblem } from './problem';

/** A JSON pointer (RFC 6901) to the field at `path`. */
export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') || '/';
}

/** Each zod issue as a field problem: unknown keys become one problem per key, pointing at it. */
export function fieldProblems(error: z.ZodError, base: ReadonlyArray<PropertyKey> = []): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: jsonPointer([...path, key]),
        detail: 'is not a known field',
      }));
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ pointer: jsonPointer(path), detail: 'is required' }];
    }
    return [{ pointer: jsonPointer(path), detail: issue.message }];
  });
}

/** Parses `value` with `schema`, or throws a 400 problem naming every field at fault. */
export function parseOrProblem<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  base: ReadonlyArray<PropertyKey> = [],
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw problems.validation(fieldProblems(result.error, base));
  return result.data;
}
