import { podTemplateContainers } from './kustomize-build';
import { asArray, asObject, asString, isObject, type JsonObject } from './repo-files';
import { isCommand, type Command } from './service-env-catalog';

/*
 * Reading workloads the way the kubelet does: a container's environment is its envFrom sources (in
 * order) overridden by its env entries, with ConfigMap and Secret references resolved against the
 * objects of the same build.
 */

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

/**
 * Variables the image's entrypoint reads rather than a service (infra/docker/entrypoint.sh): it turns
 * them into SHARD_IDS for the gateway-worker.
 */
export const ENTRYPOINT_VARIABLES: Partial<Record<Command, readonly string[]>> = {
  'gateway-worker': ['SHARDS_PER_POD', 'POD_INDEX'],
};

/** Where a variable's value comes from. */
type EnvSource =
  | { from: 'value'; value: string }
  | { from: 'configMap' | 'secret'; name: string; key: string; value: string | undefined }
  | { from: 'field'; path: string };

export function nameOf(object: JsonObject): string {
  return asString(asObject(object.metadata, 'metadata').name, 'metadata.name');
}

export function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = asObject(object.metadata, 'metadata');
  return (metadata.labels ?? {}) as Record<string, string>;
}

export function podSpecOf(workload: JsonObject): JsonObject {
  const template = asObject(asObject(workload.spec, 'spec').template, 'spec.template');
  return asObject(template.spec, 'spec.template.spec');
}

export function podLabelsOf(workload: JsonObject): Record<string, string> {
  const template = asObject(asObject(workload.spec, 'spec').template, 'spec.template');
  return labelsOf(template);
}

/** Whether every label of `selector` is on `labels`. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export interface Container {
  workload: JsonObject;
  container: JsonObject;
  /** The entrypoint command the container runs (`args[0]`). */
  command: Command;
  env: Map<string, EnvSource>;
}

function configData(objects: readonly JsonObject[], kind: 'ConfigMap' | 'Secret', name: string) {
  const object = objects.find((candidate) => candidate.kind === kind && nameOf(candidate) === name);
  if (object === undefined) return undefined;
  return (kind === 'ConfigMap' ? object.data : object.stringData) as Record<string, string> | undefined;
}

/**
 * A container's environment. References to ConfigMaps or Secrets that the build does not contain (the
 * base has no Secret) resolve to `undefined` values; envFrom of a missing ConfigMap or Secret is an error.
 */
function containerEnv(container: JsonObject, objects: readonly JsonObject[], strict: boolean) {
  const env = new Map<string, EnvSource>();
  for (const entry of asArray(container.envFrom ?? [], 'envFrom')) {
    const source = asObject(entry, 'envFrom[]');
    const [kind, reference] = isObject(source.configMapRef)
      ? (['ConfigMap', source.configMapRef] as const)
      : (['Secret', asObject(source.secretRef, 'secretRef')] as const);
    const name = asString(reference.name, 'envFrom name');
    const data = configData(objects, kind, name);
    if (data === undefined) {
      if (strict) throw new Error(`envFrom names ${kind} ${name}, which the build does not contain`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) {
      env.set(key, { from: kind === 'ConfigMap' ? 'configMap' : 'secret', name, key, value });
    }
  }
  for (const entry of asArray(container.env ?? [], 'env')) {
    const variable = asObject(entry, 'env[]');
    const name = asString(variable.name, 'env[].name');
    if (typeof variable.value === 'string') {
      env.set(name, { from: 'value', value: variable.value });
      continue;
    }
    const valueFrom = asObject(variable.valueFrom, `${name}.valueFrom`);
    if (isObject(valueFrom.fieldRef)) {
      env.set(name, { from: 'field', path: asString(valueFrom.fieldRef.fieldPath, 'fieldPath') });
      continue;
    }
    const [kind, reference] = isObject(valueFrom.configMapKeyRef)
      ? (['ConfigMap', valueFrom.configMapKeyRef] as const)
      : (['Secret', asObject(valueFrom.secretKeyRef, `${name}.secretKeyRef`)] as const);
    const refName = asString(reference.name, `${name} reference name`);
    const key = asString(reference.key, `${name} reference key`);
    env.set(name, {
      from: kind === 'ConfigMap' ? 'configMap' : 'secret',
      name: refName,
      key,
      value: configData(objects, kind, refName)?.[key],
    });
  }
  return env;
}

/** Every container of every workload of a build, with the command it runs and its environment. */
export function containersOf(objects: readonly JsonObject[], strict: boolean): Container[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.has(String(object.kind)))
    .flatMap((workload) =>
      podTemplateContainers(workload).map((container) => {
        const command = asString(asArray(container.args, 'args')[0], `${nameOf(workload)} args[0]`);
        if (!isCommand(command)) throw new Error(`${nameOf(workload)} runs an unknown command ${command}`);
        return { workload, container, command, env: containerEnv(container, objects, strict) };
      }),
    );
}

/** The literal values of a container's environment (value entries and resolved references). */
export function literalValues(env: ReadonlyMap<string, EnvSource>): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, source] of env) {
    if (source.from === 'value') values.set(name, source.value);
    else if (source.from !== 'field' && source.value !== undefined) values.set(name, source.value);
  }
  return values;
}
