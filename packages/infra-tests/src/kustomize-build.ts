import { statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import {
  asArray,
  asObject,
  asString,
  isObject,
  parseEnvFile,
  parseYaml,
  parseYamlDocuments,
  readRepoFile,
  repoPath,
  type JsonObject,
} from './repo-files';

/*
 * `kustomize build` for the features infra/k8s uses, so the tests can check what an overlay deploys
 * without the kustomize binary: resources (files and bases), configMapGenerator and secretGenerator
 * (env files and literals; create and merge), images, namespace, and strategic-merge patches whose lists
 * of named items (containers, env, ports) merge by name. A kustomization key it does not know is an
 * error, so a new kustomize feature cannot slip past the tests unchecked. Generated names carry no hash
 * suffix: the tests compare names, and kustomize rewrites references to the suffixed ones.
 */

const KNOWN_KEYS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'images',
  'namespace',
  'patches',
]);

/** Kinds that live outside namespaces, among those a kustomization here may produce. */
const CLUSTER_SCOPED = new Set(['Namespace']);

export interface BuildOptions {
  /**
   * Files to read in place of others, by repository path: the example overlay's `secrets.env` is
   * git-ignored, and its committed `secrets.env.example` stands in for it (even where a developer has
   * made a secrets.env, so that the tests see the same files everywhere).
   */
  substitutes?: Readonly<Record<string, string>>;
}

export interface Kustomization {
  /** The folder, relative to the repository root. */
  folder: string;
  document: JsonObject;
  /** Every file of the folder that the kustomization names (bases excluded). */
  referencedFiles: string[];
  /** The folders of the bases it builds on, relative to the repository root. */
  bases: string[];
}

export function readKustomization(folder: string): Kustomization {
  const document = asObject(parseYaml(readRepoFile(join(folder, 'kustomization.yaml'))), folder);
  for (const key of Object.keys(document)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`${folder}/kustomization.yaml: ${key} is not understood here`);
  }
  const referencedFiles: string[] = [];
  const bases: string[] = [];
  for (const entry of asArray(document.resources ?? [], 'resources')) {
    const path = normalize(join(folder, asString(entry, 'resources[]')));
    if (statSync(repoPath(path)).isDirectory()) bases.push(path);
    else referencedFiles.push(asString(entry, 'resources[]'));
  }
  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    for (const generator of asArray(document[key] ?? [], key)) {
      for (const file of asArray(asObject(generator, key).envs ?? [], `${key}.envs`)) {
        referencedFiles.push(asString(file, `${key}.envs[]`));
      }
    }
  }
  for (const patch of asArray(document.patches ?? [], 'patches')) {
    const { path } = asObject(patch, 'patches[]');
    if (path === undefined) throw new Error(`${folder}: only patches from files are understood here`);
    referencedFiles.push(asString(path, 'patches[].path'));
  }
  return { folder, document, referencedFiles, bases };
}

/**
 * Strategic merge as kubectl applies it to the fields used here: mappings merge key by key, lists whose
 * items all have a `name` merge item by item (a patch item updates the base item of the same name or is
 * added), and any other value, lists included, replaces the base's.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const merged: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = strategicMerge(base[key], value);
    return merged;
  }
  const named = (list: unknown): list is JsonObject[] =>
    Array.isArray(list) && list.every((item) => isObject(item) && typeof item.name === 'string');
  if (named(base) && named(patch)) {
    const merged = base.map((item) => {
      const update = patch.find((candidate) => candidate.name === item.name);
      return update === undefined ? item : strategicMerge(item, update);
    });
    for (const item of patch) if (!base.some((candidate) => candidate.name === item.name)) merged.push(item);
    return merged;
  }
  return patch;
}

function readFile(path: string, options: BuildOptions): string {
  return readRepoFile(options.substitutes?.[path] ?? path);
}

function generatorData(folder: string, generator: JsonObject, options: BuildOptions): Map<string, string> {
  const data = new Map<string, string>();
  for (const file of asArray(generator.envs ?? [], 'envs')) {
    for (const [key, value] of parseEnvFile(readFile(join(folder, asString(file, 'envs[]')), options))) {
      data.set(key, value);
    }
  }
  for (const literal of asArray(generator.literals ?? [], 'literals')) {
    const [key, ...value] = asString(literal, 'literals[]').split('=');
    data.set(key!, value.join('='));
  }
  return data;
}

function applyGenerators(folder: string, document: JsonObject, objects: JsonObject[], options: BuildOptions) {
  const generators = [
    ['configMapGenerator', 'ConfigMap', 'data'],
    ['secretGenerator', 'Secret', 'stringData'],
  ] as const;
  for (const [key, kind, field] of generators) {
    for (const entry of asArray(document[key] ?? [], key)) {
      const generator = asObject(entry, key);
      const name = asString(generator.name, `${key}.name`);
      const data = Object.fromEntries(generatorData(folder, generator, options));
      const behavior = asString(generator.behavior ?? 'create', `${key}.behavior`);
      const existing = objects.find(
        (object) => object.kind === kind && asObject(object.metadata, 'metadata').name === name,
      );
      if (behavior === 'create') {
        if (existing !== undefined) throw new Error(`${folder}: ${kind} ${name} already exists`);
        objects.push({ apiVersion: 'v1', kind, metadata: { name }, [field]: data });
      } else if (behavior === 'merge' || behavior === 'replace') {
        if (existing === undefined) throw new Error(`${folder}: no ${kind} ${name} to ${behavior}`);
        existing[field] =
          behavior === 'merge' ? { ...asObject(existing[field] ?? {}, field), ...data } : data;
      } else {
        throw new Error(`${folder}: unknown generator behavior ${behavior}`);
      }
    }
  }
}

/** Every container list of an object's pod template (Deployment, StatefulSet, Job). */
export function podTemplateContainers(object: JsonObject): JsonObject[] {
  const spec = isObject(object.spec) ? object.spec : undefined;
  const template = spec !== undefined && isObject(spec.template) ? spec.template : undefined;
  const podSpec = template !== undefined && isObject(template.spec) ? template.spec : undefined;
  if (podSpec === undefined) return [];
  return ['initContainers', 'containers'].flatMap((key) =>
    asArray(podSpec[key] ?? [], key).map((container) => asObject(container, key)),
  );
}

function applyImages(document: JsonObject, objects: JsonObject[]): void {
  for (const entry of asArray(document.images ?? [], 'images')) {
    const image = asObject(entry, 'images[]');
    const name = asString(image.name, 'images[].name');
    for (const container of objects.flatMap(podTemplateContainers)) {
      const current = asString(container.image, 'image');
      const [currentName, currentTag] = current.split(':');
      if (currentName !== name) continue;
      const newName = typeof image.newName === 'string' ? image.newName : name;
      if (typeof image.digest === 'string') container.image = `${newName}@${image.digest}`;
      else {
        const tag = typeof image.newTag === 'string' ? image.newTag : currentTag;
        container.image = tag === undefined ? newName : `${newName}:${tag}`;
      }
    }
  }
}

function applyPatches(folder: string, document: JsonObject, objects: JsonObject[]): void {
  for (const entry of asArray(document.patches ?? [], 'patches')) {
    const path = join(folder, asString(asObject(entry, 'patches[]').path, 'patches[].path'));
    const patch = asObject(parseYaml(readRepoFile(path)), path);
    const name = asObject(patch.metadata, `${path} metadata`).name;
    const index = objects.findIndex(
      (object) =>
        object.apiVersion === patch.apiVersion &&
        object.kind === patch.kind &&
        asObject(object.metadata, 'metadata').name === name,
    );
    if (index === -1)
      throw new Error(`${path}: patches ${String(patch.kind)} ${String(name)}, which is not there`);
    objects[index] = asObject(strategicMerge(objects[index], patch), path);
  }
}

/** The objects `kustomize build <folder>` would print (without hash suffixes), in no particular order. */
export function kustomizeBuild(folder: string, options: BuildOptions = {}): JsonObject[] {
  const kustomization = readKustomization(folder);
  const { document } = kustomization;
  const objects: JsonObject[] = kustomization.bases.flatMap((base) => kustomizeBuild(base, options));
  for (const entry of asArray(document.resources ?? [], 'resources')) {
    const path = normalize(join(folder, asString(entry, 'resources[]')));
    if (kustomization.bases.includes(path)) continue;
    for (const parsed of parseYamlDocuments(readRepoFile(path))) objects.push(asObject(parsed, path));
  }
  applyGenerators(folder, document, objects, options);
  applyPatches(folder, document, objects);
  applyImages(document, objects);
  if (typeof document.namespace === 'string') {
    for (const object of objects) {
      if (!CLUSTER_SCOPED.has(String(object.kind)))
        asObject(object.metadata, 'metadata').namespace = document.namespace;
    }
  }
  return objects;
}
