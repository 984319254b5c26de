import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import openapiSubset from '../schemas/discord-openapi-subset.json';
import { DiscordErrors } from './discord-error';
import { type FieldError, FormErrors } from './form-errors';
import { isSnowflake } from './snowflake';

/** Request bodies validated against Discord's own OpenAPI schemas (see src/schemas). */
export type RequestSchemaName = 'BotAddGuildMemberRequest' | 'MessageCreateRequest';

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// Maps one JSON Schema failure onto the code and wording Discord uses for the same mistake.
function toFieldError(error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
    case 'maxLength':
    case 'maxItems':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(params.limit)} or fewer in length.` };
    case 'minLength':
    case 'minItems':
      return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${String(params.limit)} or more in length.` };
    case 'maximum':
      return {
        code: 'NUMBER_TYPE_MAX',
        message: `int value should be less than or equal to ${String(params.limit)}.`,
      };
    case 'minimum':
      return {
        code: 'NUMBER_TYPE_MIN',
        message: `int value should be greater than or equal to ${String(params.limit)}.`,
      };
    case 'pattern':
      return { code: 'NUMBER_TYPE_COERCE', message: `Value "${describe(error.data)}" is not snowflake.` };
    case 'format':
      return params.format === 'snowflake'
        ? { code: 'NUMBER_TYPE_COERCE', message: `Value "${describe(error.data)}" is not snowflake.` }
        : params.format === 'date-time'
          ? {
              code: 'DATE_TYPE_PARSE',
              message: `Could not parse ${describe(error.data)}. Should be ISO8601.`,
            }
          : { code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' };
    case 'uniqueItems':
      return { code: 'SET_TYPE_ALREADY_CONTAINS_VALUE', message: 'The set already contains this value.' };
    case 'enum':
    case 'const':
      return { code: 'BASE_TYPE_CHOICES', message: `Value must be one of ${JSON.stringify(params)}.` };
    case 'type': {
      const expected = String(params.type).split(',')[0] ?? '';
      switch (expected) {
        case 'string':
          return {
            code: 'BASE_TYPE_STRING',
            message: `Could not interpret "${describe(error.data)}" as string.`,
          };
        case 'integer':
        case 'number':
          return { code: 'NUMBER_TYPE_COERCE', message: `Value "${describe(error.data)}" is not int.` };
        case 'boolean':
          return { code: 'BASE_TYPE_BOOLEAN', message: 'Must be either true or false.' };
        case 'array':
          return { code: 'LIST_TYPE_CONVERT', message: 'Only iterables may be used in a ListType' };
        default:
          return { code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' };
      }
    }
    default:
      return { code: 'BASE_TYPE_INVALID', message: 'Invalid value.' };
  }
}

function instancePath(error: ErrorObject): (string | number)[] {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') {
    segments.push(String((error.params as { missingProperty: string }).missingProperty));
  }
  return segments;
}

/**
 * Validates request bodies with ajv against the copied OpenAPI schemas and reports failures as Discord's
 * 50035 "Invalid Form Body" with an `errors` tree. Pure: no I/O.
 */
export class RequestValidator {
  private readonly validators = new Map<RequestSchemaName, ValidateFunction>();

  constructor() {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addFormat('snowflake', { type: 'string', validate: isSnowflake });
    // Discord accepts any string up to 25 characters as a nonce; the length is checked by maxLength.
    ajv.addFormat('nonce', { type: 'string', validate: () => true });
    ajv.addSchema(openapiSubset);
    for (const name of ['BotAddGuildMemberRequest', 'MessageCreateRequest'] as const) {
      const validate = ajv.getSchema(`${openapiSubset.$id}#/$defs/${name}`);
      if (!validate) throw new Error(`schema ${name} is missing from discord-openapi-subset.json`);
      this.validators.set(name, validate);
    }
  }

  /** Returns the body typed as `T` or throws a 50035 DiscordError describing every failing field. */
  validate<T>(name: RequestSchemaName, body: unknown): T {
    const validate = this.validators.get(name);
    if (!validate) throw new Error(`no validator for ${name}`);
    if (validate(body)) return body as T;
    const errors = new FormErrors();
    // Two keywords can say the same thing (a snowflake's pattern and its format): report it once.
    const seen = new Set<string>();
    for (const error of this.relevantErrors(validate.errors ?? [])) {
      const path = instancePath(error);
      const fieldError = toFieldError(error);
      const key = `${path.join('.')}|${fieldError.code}|${fieldError.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.add(path, fieldError);
    }
    throw DiscordErrors.invalidFormBody(errors.toTree());
  }

  // `oneOf: [{type: 'null'}, {$ref}]` makes ajv report the null branch and the oneOf itself as well;
  // Discord only reports what is wrong with the value, so keep the innermost, non-null-branch failures.
  private relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
    return errors.filter(
      (error) =>
        !['oneOf', 'anyOf', 'allOf'].includes(error.keyword) &&
        !(error.keyword === 'type' && (error.params as { type: string }).type === 'null'),
    );
  }
}
