import { describe, expect, it } from '@jest/globals';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { readRepoFile } from './repo-files';
import { SERVICES } from './service-env-catalog';

const DOCKERFILE = 'infra/docker/Dockerfile';
const text = readRepoFile(DOCKERFILE);
const dockerfile = DockerfileParser.parse(text);

interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** The build stages in order, each with the instructions after its FROM. */
const stages: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  if (instruction.getKeyword() === 'FROM') {
    const from = dockerfile
      .getFROMs()
      .find((candidate) => candidate.getRange().start.line === instruction.getRange().start.line);
    stages.push({ name: from?.getBuildStage() ?? '', base: from?.getImage() ?? '', instructions: [] });
  } else {
    stages.at(-1)?.instructions.push(instruction);
  }
}

function stage(name: string): Stage {
  const found = stages.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`${DOCKERFILE} has no stage ${name}`);
  return found;
}

/** An instruction's text after its keyword, flags such as `--from=build` included. */
function arguments_(instruction: Instruction): string {
  return instruction.getTextContent().slice(instruction.getInstruction().length).trim();
}

function instructions(target: Stage, keyword: string): string[] {
  return target.instructions.filter((i) => i.getKeyword() === keyword).map(arguments_);
}

/** A RUN's shell command with its line continuations joined, in one line. */
function runCommands(target: Stage): string[] {
  return instructions(target, 'RUN').map((command) => command.replace(/\\\n/g, ' ').replace(/\s+/g, ' '));
}

const runtime = stages.at(-1)!;
const packageJson = JSON.parse(readRepoFile('package.json')) as {
  packageManager: string;
  engines: { node: string };
};

describe('infra/docker/Dockerfile', () => {
  it('has no syntax or instruction errors (dockerfile-utils, the VS Code Docker linter)', () => {
    expect(
      validate(text).map(({ range, message }) => {
        const detail = typeof message === 'string' ? message : message.value;
        return `${range.start.line + 1}: ${detail}`;
      }),
    ).toEqual([]);
    // The same check on a broken copy, so a linter that accepted anything would fail here.
    expect(validate(text.replace('WORKDIR /app', 'WORKDIRR /app')).length).toBeGreaterThan(0);
  });

  it('builds in stages and ends with the runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['toolchain', 'manifests', 'build', 'prod-deps', 'runtime']);
    expect(runtime.name).toBe('runtime');
  });

  it('builds and runs on the Node.js the repository requires, in one version for every stage', () => {
    const nodeVersion = /^ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(text);
    expect(nodeVersion).not.toBeNull();
    const [major, minor] = [Number(nodeVersion![1]), Number(nodeVersion![2])];
    const [requiredMajor, requiredMinor] = /^>=(\d+)\.(\d+)$/
      .exec(packageJson.engines.node)!
      .slice(1)
      .map(Number);
    expect(major).toBe(requiredMajor);
    expect(minor).toBeGreaterThanOrEqual(requiredMinor!);
    const external = stages.filter((s) => !stages.some((other) => other.name === s.base));
    expect(external.map((s) => s.base)).toEqual([
      'node:${NODE_VERSION}-bookworm-slim',
      'node:${NODE_VERSION}-bookworm-slim',
    ]);
  });

  it('uses the pnpm of package.json’s packageManager, and installs from the lockfile only', () => {
    const pnpm = packageJson.packageManager.replace(/^pnpm@/, '');
    expect(runCommands(stage('toolchain')).join('\n')).toContain(`npm install --global pnpm@${pnpm}`);
    for (const name of ['build', 'prod-deps']) {
      const installs = runCommands(stage(name)).filter((command) => command.includes('pnpm install'));
      expect({
        name,
        installs: installs.length,
        frozen: installs.every((c) => c.includes('--frozen-lockfile')),
      }).toEqual({
        name,
        installs: 1,
        frozen: true,
      });
    }
    expect(runCommands(stage('build')).join('\n')).toContain('pnpm build');
  });

  it('installs production dependencies only, for exactly the five services and what they use', () => {
    const [install] = runCommands(stage('prod-deps')).filter((command) => command.includes('pnpm install'));
    expect(install).toContain('--prod');
    const filters = [...install!.matchAll(/--filter=(\S+)/g)].map((match) => match[1]);
    expect(filters.sort()).toEqual(SERVICES.map((service) => `@inflow/${service}...`).sort());
  });

  it('puts nothing in the final image but production node_modules, compiled dist/ folders and the entrypoint', () => {
    expect(runCommands(runtime)).toEqual([]);
    expect(instructions(runtime, 'COPY')).toEqual([
      '--from=prod-deps /app/ ./',
      '--from=build /out/ ./',
      '--chmod=0755 infra/docker/entrypoint.sh /usr/local/bin/inflow',
    ]);
    // /out holds the dist/ folders only (the build stage's dependencies, dev ones included, stay behind).
    expect(runCommands(stage('build')).join('\n')).toMatch(
      /mkdir \/out && find packages services -mindepth 2 -maxdepth 2 -name dist -type d \| xargs cp -r --parents -t \/out/,
    );
    expect(instructions(runtime, 'ENV')).toEqual(['NODE_ENV=production']);
  });

  it('runs as a numeric non-root user, set after everything that needs root', () => {
    const last = runtime.instructions.at(-1)!;
    const userIndex = runtime.instructions.findIndex((i) => i.getKeyword() === 'USER');
    expect(instructions(runtime, 'USER')).toEqual(['1000:1000']);
    expect(runtime.instructions.slice(userIndex).map((i) => i.getKeyword())).not.toContain('RUN');
    expect(runtime.instructions.slice(userIndex).map((i) => i.getKeyword())).not.toContain('COPY');
    expect(last.getKeyword()).toBe('ENTRYPOINT');
  });

  it('starts the entrypoint in exec form, which runs every node process with --enable-source-maps', () => {
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual(['["/usr/local/bin/inflow"]']);
    expect(instructions(runtime, 'CMD')).toEqual([]);
    const entrypoint = readRepoFile('infra/docker/entrypoint.sh');
    const execs = entrypoint.split('\n').filter((line) => /^\s*exec\b/.test(line));
    expect(execs.length).toBe(5);
    for (const line of execs) expect(line).toMatch(/^\s*exec node --enable-source-maps /);
  });

  it('has no HEALTHCHECK: compose and the Kubernetes probes check each service on its own port', () => {
    expect(instructions(runtime, 'HEALTHCHECK')).toEqual([]);
    expect(instructions(runtime, 'EXPOSE')).toEqual(['3000 3001 3002 3003 3004']);
  });

  it('keeps host builds, installs and secrets out of the build context (.dockerignore)', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining([
        '**/node_modules',
        '**/dist',
        '.git',
        '.env',
        '**/.env',
        'infra/compose.env',
        '**/secrets.env',
      ]),
    );
    expect(ignored).not.toContain('infra/docker');
  });
});
