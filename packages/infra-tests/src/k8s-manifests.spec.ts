import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { schemaErrors, unknownFieldErrors, type Labelled } from './k8s-schema';
import {
  containersOf,
  ENTRYPOINT_VARIABLES,
  labelsOf,
  literalValues,
  nameOf,
  podLabelsOf,
  podSpecOf,
  selects,
  WORKLOAD_KINDS,
  type Container,
} from './k8s-workloads';
import { kustomizeBuild, readKustomization } from './kustomize-build';
import {
  asArray,
  asObject,
  asString,
  isObject,
  listFiles,
  parseEnvFile,
  parseYamlDocuments,
  readRepoFile,
  repoPath,
  type JsonObject,
} from './repo-files';
import { envSpec, SERVICES, type Service } from './service-env-catalog';
import { SET_IN_EVERY_DEPLOYMENT, sharedFieldErrors } from './shared-env-values';

const BASE = 'infra/k8s/base';
const OVERLAY = 'infra/k8s/overlays/example';
/** The example overlay's secrets.env is git-ignored; its committed example stands in for it. */
const SUBSTITUTES = { [`${OVERLAY}/secrets.env`]: `${OVERLAY}/secrets.env.example` };

const base = kustomizeBuild(BASE);
const overlay = kustomizeBuild(OVERLAY, { substitutes: SUBSTITUTES });
const BUILDS = [
  ['base', base],
  ['overlay', overlay],
] as const;

const SECRET_NAMES = [
  'DATABASE_URL',
  'REDIS_URL',
  'DISCORD_BOT_TOKEN',
  'DISCORD_CLIENT_SECRET',
  'TOKEN_ENCRYPTION_KEY',
] as const;

/** Every YAML file under infra/k8s, relative to the repository root. */
function yamlFiles(folder: string): string[] {
  return readdirSync(repoPath(folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => relative(repoPath(), join(entry.parentPath, entry.name)))
    .sort();
}

const kustomizations = [BASE, OVERLAY].map(readKustomization);
const patchFiles = new Set(
  kustomizations.flatMap((k) =>
    asArray(k.document.patches ?? [], 'patches').map((p) =>
      join(k.folder, String(asObject(p, 'patch').path)),
    ),
  ),
);
/** The manifests as written: every YAML file but the kustomizations and the (partial) patches. */
const manifests: Labelled[] = yamlFiles('infra/k8s')
  .filter((path) => !path.endsWith('kustomization.yaml') && !patchFiles.has(path))
  .flatMap((path) =>
    parseYamlDocuments(readRepoFile(path)).map((object) => ({
      source: path,
      object: asObject(object, path),
    })),
  );
const built: Labelled[] = overlay.map((object) => ({
  source: `${OVERLAY} ${String(object.kind)}/${nameOf(object)}`,
  object,
}));

function find(objects: readonly JsonObject[], kind: string, name: string): JsonObject {
  const found = objects.find((object) => object.kind === kind && nameOf(object) === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
}

function serviceContainers(
  objects: readonly JsonObject[],
  strict: boolean,
): Array<Container & { command: Service }> {
  return containersOf(objects, strict).filter((c): c is Container & { command: Service } =>
    (SERVICES as readonly string[]).includes(c.command),
  );
}

function portNamed(container: JsonObject, name: unknown): number | undefined {
  const port = asArray(container.ports ?? [], 'ports')
    .map((p) => asObject(p, 'port'))
    .find((p) => p.name === name || p.containerPort === name);
  return typeof port?.containerPort === 'number' ? port.containerPort : undefined;
}

function workloads(objects: readonly JsonObject[]): JsonObject[] {
  return objects.filter((object) => WORKLOAD_KINDS.has(String(object.kind)));
}

/** The one workload whose pods a selector picks; throws when none or several do. */
function selectedWorkload(objects: readonly JsonObject[], selector: unknown, by: string): JsonObject {
  const matches = workloads(objects).filter((workload) => selects(selector, podLabelsOf(workload)));
  if (matches.length !== 1) throw new Error(`${by} selects ${matches.length} workloads`);
  return matches[0]!;
}

describe('Kubernetes manifests (infra/k8s)', () => {
  it('are valid against the Kubernetes OpenAPI schemas, as written and as the overlay builds them', () => {
    expect(manifests.length).toBeGreaterThan(15);
    expect(schemaErrors([...manifests, ...built])).toEqual([]);
  });

  it('use no field that the Kubernetes API does not define', () => {
    expect(unknownFieldErrors([...manifests, ...built])).toEqual([]);
  });

  it('the schema checks catch a misspelled field and a value of the wrong type', () => {
    const broken = (change: (container: JsonObject) => void): Labelled[] => {
      const deployment = structuredClone(find(base, 'Deployment', 'inflow-api'));
      change(asObject(asArray(podSpecOf(deployment).containers, 'containers')[0], 'container'));
      return [{ source: 'broken', object: deployment }];
    };
    const misspelled = broken((container) => {
      container.readinesProbe = container.readinessProbe;
    });
    const mistyped = broken((container) => {
      asObject(asArray(container.ports, 'ports')[0], 'port').containerPort = 'three thousand';
    });
    expect(unknownFieldErrors(misspelled).join('\n')).toContain(
      `'"readinesProbe"' does not exist in type 'Container'`,
    );
    expect(schemaErrors(mistyped).join('\n')).toContain('containerPort');
    expect(unknownFieldErrors(mistyped).join('\n')).toContain(
      "Type 'string' is not assignable to type 'number'",
    );
  });

  describe('kustomize', () => {
    it.each([BASE, OVERLAY])('%s/kustomization.yaml names every file of its folder', (folder) => {
      const kustomization = readKustomization(folder);
      const files = listFiles(folder).filter(
        (file) => !file.startsWith('.') && file !== 'kustomization.yaml',
      );
      const examples = files.filter((file) => file.endsWith('.example'));
      // A committed example stands for a git-ignored file the kustomization names (secrets.env).
      expect(examples.map((file) => file.replace(/\.example$/, ''))).toEqual(
        examples
          .map((file) => file.replace(/\.example$/, ''))
          .filter((f) => kustomization.referencedFiles.includes(f)),
      );
      expect([...kustomization.referencedFiles].sort()).toEqual(
        [
          ...files.filter((file) => !file.endsWith('.example')),
          ...examples.map((f) => f.replace(/\.example$/, '')),
        ].sort(),
      );
    });

    it('the example overlay builds on the base, in its own namespace, and keeps its secrets out of git', () => {
      expect(readKustomization(OVERLAY).bases).toEqual([BASE]);
      expect(readKustomization(BASE).bases).toEqual([]);
      for (const object of overlay) {
        if (object.kind !== 'Namespace')
          expect(asObject(object.metadata, 'metadata').namespace).toBe('inflow');
      }
      expect(nameOf(find(overlay, 'Namespace', 'inflow'))).toBe('inflow');
      expect(readRepoFile(`${OVERLAY}/.gitignore`).split('\n')).toContain('secrets.env');
    });
  });

  describe('workloads', () => {
    it('run one workload per service, the gateway as a StatefulSet, and the migration as a Job', () => {
      const kinds = Object.fromEntries(containersOf(base, false).map((c) => [c.command, c.workload.kind]));
      expect(kinds).toEqual({
        api: 'Deployment',
        'gateway-worker': 'StatefulSet',
        'role-sync-worker': 'Deployment',
        'notification-worker': 'Deployment',
        'cleanup-worker': 'Deployment',
        migrate: 'Job',
      });
    });

    it('run the product image only: `inflow` in the base, the overlay’s registry and tag once built', () => {
      for (const { workload, container } of containersOf(base, false)) {
        expect({ workload: nameOf(workload), image: container.image }).toEqual({
          workload: nameOf(workload),
          image: 'inflow',
        });
      }
      const images = asArray(readKustomization(OVERLAY).document.images, 'images');
      expect(images).toEqual([{ name: 'inflow', newName: 'registry.example.com/inflow', newTag: '1.0.0' }]);
      for (const { workload, container } of containersOf(overlay, true)) {
        expect({ workload: nameOf(workload), image: container.image }).toEqual({
          workload: nameOf(workload),
          image: 'registry.example.com/inflow:1.0.0',
        });
      }
    });

    it.each(BUILDS)(
      'set only variables that the env.ts of the command each container runs reads (%s)',
      (_, objects) => {
        for (const { workload, command, env } of containersOf(objects, false)) {
          const allowed = new Set([...envSpec(command).names, ...(ENTRYPOINT_VARIABLES[command] ?? [])]);
          const unknown = [...env.keys()].filter((name) => !allowed.has(name));
          expect({ workload: nameOf(workload), unknown }).toEqual({
            workload: nameOf(workload),
            unknown: [],
          });
        }
      },
    );

    it('provide, once built, every required variable and the settings that must not be left to defaults', () => {
      const secret = asObject(find(overlay, 'Secret', 'inflow-secrets').stringData, 'stringData');
      for (const { workload, command, env } of containersOf(overlay, true)) {
        const spec = envSpec(command);
        const needed = [...spec.required, ...SET_IN_EVERY_DEPLOYMENT.filter((name) => spec.names.has(name))];
        const missing = needed.filter((name) => {
          const source = env.get(name);
          if (source === undefined || source.from === 'field') return true;
          // A Secret key counts once present: its value is the operator's to fill in (secrets.env).
          if (source.from === 'secret') return !Object.hasOwn(secret, source.key);
          return (source.value ?? '') === '';
        });
        expect({ workload: nameOf(workload), missing }).toEqual({ workload: nameOf(workload), missing: [] });
      }
    });

    it.each(BUILDS)('set values that the services accept (%s)', (_, objects) => {
      for (const { workload, env } of containersOf(objects, false)) {
        expect({ workload: nameOf(workload), errors: sharedFieldErrors(literalValues(env)) }).toEqual({
          workload: nameOf(workload),
          errors: [],
        });
      }
    });

    it('take tokens, keys and connection URLs from the Secret only, never from a value or a ConfigMap', () => {
      for (const { workload, env } of containersOf(overlay, true)) {
        for (const name of SECRET_NAMES) {
          const source = env.get(name);
          if (source === undefined) continue;
          expect({ workload: nameOf(workload), name, from: source.from }).toEqual({
            workload: nameOf(workload),
            name,
            from: 'secret',
          });
        }
      }
      for (const configMap of overlay.filter((object) => object.kind === 'ConfigMap')) {
        const keys = Object.keys(asObject(configMap.data, 'data'));
        expect(keys.filter((key) => (SECRET_NAMES as readonly string[]).includes(key))).toEqual([]);
      }
      const secretKeys = [...parseEnvFile(readRepoFile(`${OVERLAY}/secrets.env.example`)).keys()].sort();
      expect(secretKeys).toEqual([...SECRET_NAMES, 'MIGRATION_DATABASE_URL'].sort());
    });

    it('run the sharded queues on Redis Cluster too: QUEUE_PREFIX has a hash tag', () => {
      for (const { command, env } of serviceContainers(overlay, true)) {
        expect({
          command,
          prefix: env.get('QUEUE_PREFIX')?.from === 'configMap' && literalValues(env).get('QUEUE_PREFIX'),
        }).toEqual({
          command,
          prefix: '{inflow}',
        });
      }
    });
  });

  describe('probes, ports and shutdown', () => {
    it.each(BUILDS)(
      'probe /readyz and /healthz on the container port that equals PORT (%s)',
      (_, objects) => {
        for (const { workload, container, env } of serviceContainers(objects, false)) {
          const name = nameOf(workload);
          const port = Number(literalValues(env).get('PORT'));
          expect({ name, http: portNamed(container, 'http') }).toEqual({ name, http: port });
          const readiness = asObject(asObject(container.readinessProbe, 'readinessProbe').httpGet, 'httpGet');
          const liveness = asObject(asObject(container.livenessProbe, 'livenessProbe').httpGet, 'httpGet');
          expect({ name, path: readiness.path, port: portNamed(container, readiness.port) }).toEqual({
            name,
            path: '/readyz',
            port,
          });
          expect({ name, path: liveness.path, port: portNamed(container, liveness.port) }).toEqual({
            name,
            path: '/healthz',
            port,
          });
          const annotations = asObject(
            asObject(asObject(workload.spec, 'spec').template, 'template').metadata,
            'metadata',
          ).annotations as Record<string, string>;
          expect({ name, annotations }).toEqual({
            name,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(port),
              'prometheus.io/path': '/metrics',
            },
          });
        }
      },
    );

    it('give each pod a grace period longer than its own shutdown (preStop included), so it exits on its own', () => {
      for (const { workload, container, env } of serviceContainers(base, false)) {
        const name = nameOf(workload);
        const timeoutSeconds = Number(literalValues(env).get('SHUTDOWN_TIMEOUT_MS')) / 1000;
        const preStop = (container.lifecycle as { preStop?: { exec?: { command?: string[] } } } | undefined)
          ?.preStop;
        const sleep = preStop?.exec?.command?.[0] === 'sleep' ? Number(preStop.exec.command[1]) : 0;
        const grace = Number(podSpecOf(workload).terminationGracePeriodSeconds);
        expect({ name, enough: grace >= sleep + timeoutSeconds + 5 }).toEqual({ name, enough: true });
      }
    });

    it('let a role-sync job finish on shutdown: its rate-limit wait (5 s) plus its lock duration', () => {
      const roleSync = serviceContainers(base, false).find((c) => c.command === 'role-sync-worker')!;
      const values = literalValues(roleSync.env);
      expect(Number(values.get('SHUTDOWN_TIMEOUT_MS'))).toBeGreaterThanOrEqual(
        5000 + Number(values.get('ROLE_SYNC_LOCK_DURATION_MS')),
      );
    });
  });

  describe('labels, selectors and scaling', () => {
    it.each(BUILDS)('select exactly their own pods, and no two workloads share pods (%s)', (_, objects) => {
      for (const workload of workloads(objects)) {
        if (workload.kind === 'Job') continue;
        const selector = asObject(asObject(workload.spec, 'spec').selector, 'selector').matchLabels;
        expect({ workload: nameOf(workload), ownPods: selects(selector, podLabelsOf(workload)) }).toEqual({
          workload: nameOf(workload),
          ownPods: true,
        });
        expect(selectedWorkload(objects, selector, nameOf(workload))).toBe(workload);
        expect(labelsOf(workload)).toEqual(podLabelsOf(workload));
      }
    });

    it.each(BUILDS)(
      'route Services to one workload, on a port that the workload’s container names (%s)',
      (_, objects) => {
        for (const service of objects.filter((object) => object.kind === 'Service')) {
          const spec = asObject(service.spec, 'spec');
          const workload = selectedWorkload(objects, spec.selector, `Service ${nameOf(service)}`);
          const [container] = asArray(podSpecOf(workload).containers, 'containers');
          for (const port of asArray(spec.ports, 'ports')) {
            const targetPort = asObject(port, 'port').targetPort;
            expect({
              service: nameOf(service),
              port: portNamed(asObject(container, 'container'), targetPort),
            }).toEqual({
              service: nameOf(service),
              port: expect.any(Number),
            });
          }
        }
        // Only the api takes requests; the gateway's headless Service gives the StatefulSet its pod names.
        expect(
          objects
            .filter((o) => o.kind === 'Service')
            .map(nameOf)
            .sort(),
        ).toEqual(['inflow-api', 'inflow-gateway-worker']);
        const gateway = find(objects, 'StatefulSet', 'inflow-gateway-worker');
        const headless = find(
          objects,
          'Service',
          asString(asObject(gateway.spec, 'spec').serviceName, 'serviceName'),
        );
        expect(asObject(headless.spec, 'spec').clusterIP).toBe('None');
      },
    );

    it.each(BUILDS)('protect every long-running workload with a PodDisruptionBudget (%s)', (_, objects) => {
      const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
      const covered = budgets.map((pdb) => {
        const spec = asObject(pdb.spec, 'spec');
        expect({ pdb: nameOf(pdb), maxUnavailable: spec.maxUnavailable }).toEqual({
          pdb: nameOf(pdb),
          maxUnavailable: 1,
        });
        return nameOf(
          selectedWorkload(objects, asObject(spec.selector, 'selector').matchLabels, nameOf(pdb)),
        );
      });
      const longRunning = workloads(objects)
        .filter((w) => w.kind !== 'Job')
        .map(nameOf);
      expect(covered.sort()).toEqual(longRunning.sort());
    });

    it.each(BUILDS)(
      'autoscale the api, role-sync and notification Deployments, which then set no replicas (%s)',
      (_, objects) => {
        const autoscalers = objects.filter((object) => object.kind === 'HorizontalPodAutoscaler');
        const targets = autoscalers.map((hpa) => {
          const spec = asObject(hpa.spec, 'spec');
          const target = asObject(spec.scaleTargetRef, 'scaleTargetRef');
          const deployment = find(objects, String(target.kind), String(target.name));
          expect(target.apiVersion).toBe(deployment.apiVersion);
          expect(asObject(deployment.spec, 'spec').replicas).toBeUndefined();
          expect(Number(spec.minReplicas)).toBeGreaterThanOrEqual(2);
          // CPU utilisation is measured against requests: the containers must have them.
          for (const container of asArray(podSpecOf(deployment).containers, 'containers')) {
            expect(
              asObject(asObject(asObject(container, 'c').resources, 'resources').requests, 'requests').cpu,
            ).toBeDefined();
          }
          return nameOf(deployment);
        });
        expect(targets.sort()).toEqual([
          'inflow-api',
          'inflow-notification-worker',
          'inflow-role-sync-worker',
        ]);
        // Not autoscaled, on purpose: the cleanup sweeps run one at a time queue-wide, and the gateway's
        // replicas are its shards.
        expect(asObject(find(objects, 'Deployment', 'inflow-cleanup-worker').spec, 'spec').replicas).toBe(2);
      },
    );

    it('expose the api through the overlay’s Ingress on the Service’s named port, at PUBLIC_URL’s host', () => {
      const ingress = find(overlay, 'Ingress', 'inflow-api');
      const rule = asObject(asArray(asObject(ingress.spec, 'spec').rules, 'rules')[0], 'rule');
      const path = asObject(asArray(asObject(rule.http, 'http').paths, 'paths')[0], 'path');
      const backend = asObject(asObject(path.backend, 'backend').service, 'service');
      const service = find(overlay, 'Service', asString(backend.name, 'backend name'));
      const portName = asObject(backend.port, 'port').name;
      expect(
        asArray(asObject(service.spec, 'spec').ports, 'ports').map((p) => asObject(p, 'p').name),
      ).toContain(portName);
      const publicUrl = asObject(find(overlay, 'ConfigMap', 'inflow-api').data, 'data').PUBLIC_URL;
      expect(new URL(String(publicUrl)).host).toBe(rule.host);
    });
  });

  describe('the gateway-worker StatefulSet', () => {
    it.each(BUILDS)(
      'gives its pods every shard once: SHARD_COUNT = replicas × SHARDS_PER_POD (%s)',
      (_, objects) => {
        const gateway = containersOf(objects, false).find((c) => c.command === 'gateway-worker')!;
        const values = literalValues(gateway.env);
        const replicas = Number(asObject(gateway.workload.spec, 'spec').replicas);
        expect(Number(values.get('SHARD_COUNT'))).toBe(replicas * Number(values.get('SHARDS_PER_POD')));
        expect(values.has('SHARD_IDS')).toBe(false);
        expect(gateway.env.get('POD_INDEX')).toEqual({
          from: 'field',
          path: "metadata.labels['apps.kubernetes.io/pod-index']",
        });
      },
    );

    it('starts its pods one at a time, each once the one before is connected', () => {
      const gateway = find(base, 'StatefulSet', 'inflow-gateway-worker');
      expect(asObject(gateway.spec, 'spec').podManagementPolicy).toBe('OrderedReady');
      expect(asObject(find(overlay, 'StatefulSet', 'inflow-gateway-worker').spec, 'spec').replicas).toBe(4);
    });
  });

  describe('the migration Job', () => {
    it('runs the migrate command against the direct Postgres URL, a bounded number of times', () => {
      const migrate = containersOf(overlay, true).find((c) => c.command === 'migrate')!;
      expect(migrate.container.args).toEqual(['migrate']);
      expect([...migrate.env]).toEqual([
        [
          'DATABASE_URL',
          {
            from: 'secret',
            name: 'inflow-secrets',
            key: 'MIGRATION_DATABASE_URL',
            value: expect.any(String),
          },
        ],
      ]);
      const spec = asObject(migrate.workload.spec, 'spec');
      expect(spec.backoffLimit).toBeGreaterThan(0);
      expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
      expect(spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(podSpecOf(migrate.workload).restartPolicy).toBe('Never');
    });
  });

  describe('security', () => {
    it.each(BUILDS)(
      'runs every pod as the image’s non-root user, without privileges or an API token (%s)',
      (_, objects) => {
        const user = /^USER (\d+):(\d+)$/m.exec(readRepoFile('infra/docker/Dockerfile'))!;
        for (const workload of workloads(objects)) {
          const pod = podSpecOf(workload);
          expect({
            workload: nameOf(workload),
            pod: pod.securityContext,
            token: pod.automountServiceAccountToken,
          }).toEqual({
            workload: nameOf(workload),
            pod: {
              runAsNonRoot: true,
              runAsUser: Number(user[1]),
              runAsGroup: Number(user[2]),
              seccompProfile: { type: 'RuntimeDefault' },
            },
            token: false,
          });
          for (const container of asArray(pod.containers, 'containers')) {
            expect(asObject(container, 'container').securityContext).toEqual({
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            });
          }
        }
        expect(isObject(find(objects, 'ServiceAccount', 'inflow'))).toBe(true);
      },
    );
  });
});
