/** One entry of Discord's `_errors` arrays, e.g. `{code: 'BASE_TYPE_REQUIRED', message: 'This field is required'}`. */
export interface FieldError {
  code: string;
  message: string;
}

/**
 * Discord's nested error tree: keys follow the body's structure (array indexes as strings) and each
 * failing leaf carries `_errors`.
 */
export interface FormErrorTree {
  _errors?: FieldError[];
  [key: string]: FormErrorTree | FieldError[] | undefined;
}

/** Accumulates field errors into one tree; empty until something is added. */
export class FormErrors {
  private readonly tree: FormErrorTree = {};
  private count = 0;

  add(path: readonly (string | number)[], error: FieldError): this {
    let node = this.tree;
    for (const segment of path) {
      const key = String(segment);
      const existing = node[key];
      if (existing === undefined || Array.isArray(existing)) {
        const child: FormErrorTree = {};
        node[key] = child;
        node = child;
      } else {
        node = existing;
      }
    }
    (node._errors ??= []).push(error);
    this.count += 1;
    return this;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  toTree(): FormErrorTree {
    return this.tree;
  }
}
