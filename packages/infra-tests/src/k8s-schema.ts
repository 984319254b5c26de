import { join } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import ts from 'typescript';
import type { JsonObject } from './repo-files';

/*
 * Two checks of Kubernetes objects against the API's own OpenAPI definitions, without a cluster:
 *
 * 1. kubernetes-models validates with ajv against JSON schemas generated from the Kubernetes OpenAPI
 *    spec: types, required fields, enums, formats. Those schemas allow unknown keys, as the API's do,
 *    so a misspelled field (`readinesProbe`) would pass, and the API server would drop or refuse it.
 * 2. So each object is also type-checked, as an object literal, against kubernetes-types (TypeScript
 *    types generated from the same OpenAPI spec): TypeScript's excess-property check names every key
 *    the API does not define, at any depth.
 */

type Validatable = new (data: never) => { validate(): void };

interface Kind {
  model: Validatable;
  /** The kubernetes-types module and interface of the kind. */
  types: [module: string, name: string];
}

const KINDS: Record<string, Kind> = {
  'v1/ConfigMap': { model: ConfigMap, types: ['core/v1', 'ConfigMap'] },
  'v1/Namespace': { model: Namespace, types: ['core/v1', 'Namespace'] },
  'v1/Secret': { model: Secret, types: ['core/v1', 'Secret'] },
  'v1/Service': { model: Service, types: ['core/v1', 'Service'] },
  'v1/ServiceAccount': { model: ServiceAccount, types: ['core/v1', 'ServiceAccount'] },
  'apps/v1/Deployment': { model: Deployment, types: ['apps/v1', 'Deployment'] },
  'apps/v1/StatefulSet': { model: StatefulSet, types: ['apps/v1', 'StatefulSet'] },
  'batch/v1/Job': { model: Job, types: ['batch/v1', 'Job'] },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    types: ['policy/v1', 'PodDisruptionBudget'],
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    types: ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  },
  'networking.k8s.io/v1/Ingress': { model: Ingress, types: ['networking/v1', 'Ingress'] },
};

function kindOf(object: JsonObject): Kind {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const kind = KINDS[key];
  if (kind === undefined) throw new Error(`no schema for ${key}: add it to k8s-schema.ts`);
  return kind;
}

export interface Labelled {
  /** Where the object comes from, for messages: a file, or a build and an object name. */
  source: string;
  object: JsonObject;
}

/** The JSON-schema violations of each object, as "source: message". */
export function schemaErrors(objects: readonly Labelled[]): string[] {
  const errors: string[] = [];
  for (const { source, object } of objects) {
    try {
      new (kindOf(object).model)(object as never).validate();
    } catch (error) {
      errors.push(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return errors;
}

/** The keys the Kubernetes API does not define, and wrong value types, as "source: message". */
export function unknownFieldErrors(objects: readonly Labelled[]): string[] {
  const lines: string[] = [];
  const imports = new Map<string, Set<string>>();
  const owners: Array<{ source: string; firstLine: number }> = [];
  objects.forEach(({ source, object }, index) => {
    const [module, name] = kindOf(object).types;
    if (!imports.has(module)) imports.set(module, new Set());
    imports.get(module)!.add(name);
    owners.push({ source, firstLine: lines.length });
    lines.push(
      ...`export const object${index}: ${module.replace('/', '_')}.${name} = ${JSON.stringify(object, null, 2)};`.split(
        '\n',
      ),
    );
  });
  const header = [...imports.keys()].map(
    (module) => `import type * as ${module.replace('/', '_')} from 'kubernetes-types/${module}';`,
  );
  const text = [...header, ...lines].join('\n');
  // Placed in this package, so that 'kubernetes-types' resolves from its node_modules.
  const fileName = join(__dirname, '__kubernetes-objects__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - header.length;
    const owner = owners.findLast((candidate) => candidate.firstLine <= line);
    return `${owner?.source ?? '?'}: ${message}`;
  });
}
