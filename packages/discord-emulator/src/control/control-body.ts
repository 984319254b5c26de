import { ControlError } from '../state/emulator-state';

/** Reads a control-API JSON body field by field, answering 400 with the field name on a type mismatch. */
export class ControlBody {
  private readonly fields: Record<string, unknown>;

  constructor(raw: Buffer) {
    if (raw.length === 0) {
      this.fields = {};
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ControlError('body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ControlError('body must be a JSON object');
    }
    this.fields = parsed as Record<string, unknown>;
  }

  has(key: string): boolean {
    return this.fields[key] !== undefined;
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw new ControlError(`${key} is required`);
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ControlError(`${key} must be a string`);
    return value;
  }

  nullableString(key: string): string | null | undefined {
    return this.fields[key] === null ? null : this.optionalString(key);
  }

  number(key: string): number {
    const value = this.optionalNumber(key);
    if (value === undefined) throw new ControlError(`${key} is required`);
    return value;
  }

  optionalNumber(key: string): number | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ControlError(`${key} must be a number`);
    return value;
  }

  optionalBoolean(key: string): boolean | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw new ControlError(`${key} must be a boolean`);
    return value;
  }

  /** Permissions as a decimal string or a safe integer. */
  optionalPermissions(key: string): string | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value !== 'string') throw new ControlError(`${key} must be a decimal string`);
    return value;
  }

  optionalStringArray(key: string): string[] | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new ControlError(`${key} must be an array of strings`);
    }
    return value;
  }

  optionalNumberArray(key: string): number[] | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) {
      throw new ControlError(`${key} must be an array of numbers`);
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ControlError(`${key} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  /** Raw nested value for callers that validate it themselves. */
  raw(key: string): unknown {
    return this.fields[key];
  }
}
