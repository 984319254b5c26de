import type { FieldProblem } from './problem';
import { jsonPointer } from './validate';

const NUL = '\u0000';

interface Visit {
  value: unknown;
  key: PropertyKey | undefined;
  parent: Visit | undefined;
}

/**
 * Every key or string value under `root` that holds a NUL, as field problems. Postgres cannot store U+0000
 * in text or jsonb, so such a request is refused before its handler, with the field at fault, rather than
 * failing at the INSERT. Iterative, so a body nested thousands deep (64 kB of `[`) costs neither the stack
 * nor a path copy per level.
 */
export function nulFields(root: unknown): FieldProblem[] {
  const found: FieldProblem[] = [];
  const pending: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  while (pending.length > 0) {
    const visit = pending.pop() as Visit;
    const { value } = visit;
    if (typeof value === 'string') {
      if (value.includes(NUL))
        found.push({ pointer: pointerTo(visit), detail: 'must not contain U+0000 (NUL)' });
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => pending.push({ value: item, key: index, parent: visit }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const child: Visit = { value: item, key, parent: visit };
        if (key.includes(NUL))
          found.push({ pointer: pointerTo(child), detail: 'is a key that holds U+0000 (NUL)' });
        else pending.push(child);
      }
    }
  }
  return found;
}

function pointerTo(visit: Visit): string {
  const path: PropertyKey[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return jsonPointer(path);
}
