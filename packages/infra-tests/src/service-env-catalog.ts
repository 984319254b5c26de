import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { readRepoFile, repoPath } from './repo-files';

/*
 * What each process reads from its environment, taken from the source of its env.ts (the only files
 * that may read process.env) without running it: loading one would exit the process on a missing
 * variable. The zod object's keys are the names; a key is required unless its schema, followed through
 * the helpers it is built from (`secret`, `databaseUrl`, `port(3000)`, `...workerEnvFields(3002)`),
 * ends in `.default(…)` or `.optional()`.
 */

/** What the image's entrypoint runs (infra/docker/entrypoint.sh), by its command name. */
const ENV_FILES = {
  api: 'services/api/src/env.ts',
  'gateway-worker': 'services/gateway-worker/src/env.ts',
  'role-sync-worker': 'services/role-sync-worker/src/env.ts',
  'notification-worker': 'services/notification-worker/src/env.ts',
  'cleanup-worker': 'services/cleanup-worker/src/env.ts',
  migrate: 'packages/db/src/cli/env.ts',
  admin: 'services/api/src/admin/env.ts',
} as const;

export type Command = keyof typeof ENV_FILES;

/** The long-running services: the commands that serve /healthz, /readyz and /metrics on PORT. */
export const SERVICES = [
  'api',
  'gateway-worker',
  'role-sync-worker',
  'notification-worker',
  'cleanup-worker',
] as const satisfies readonly Command[];

export type Service = (typeof SERVICES)[number];

export interface EnvSpec {
  /** Every variable the command reads. */
  names: ReadonlySet<string>;
  /** The variables without a default: the command refuses to start without them. */
  required: ReadonlySet<string>;
}

export function isCommand(value: string): value is Command {
  return Object.hasOwn(ENV_FILES, value);
}

const sourceFiles = new Map<string, ts.SourceFile>();

function sourceFile(path: string): ts.SourceFile {
  let file = sourceFiles.get(path);
  if (file === undefined) {
    file = ts.createSourceFile(path, readRepoFile(path), ts.ScriptTarget.ES2022, true);
    sourceFiles.set(path, file);
  }
  return file;
}

/** A workspace import (`@inflow/x`) or a relative one, as the file it names; null for npm packages. */
function resolveModule(fromPath: string, specifier: string): string | null {
  if (specifier.startsWith('@inflow/')) return `packages/${specifier.slice('@inflow/'.length)}/src/index.ts`;
  if (!specifier.startsWith('.')) return null;
  const base = join(dirname(fromPath), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(repoPath(candidate))) return candidate;
  }
  throw new Error(`${fromPath}: cannot resolve ${specifier}`);
}

interface Declaration {
  path: string;
  node: ts.VariableDeclaration | ts.FunctionDeclaration;
}

/** Where `name` is declared when seen from `path`: in the file, or through its imports and re-exports. */
function findDeclaration(path: string, name: string, seen = new Set<string>()): Declaration | null {
  if (seen.has(`${path}#${name}`)) return null;
  seen.add(`${path}#${name}`);
  const file = sourceFile(path);
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name)
      return { path, node: statement };
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name) {
          return { path, node: declaration };
        }
      }
    }
  }
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
      const imported = bindings.elements.find((element) => element.name.text === name);
      if (imported === undefined) continue;
      const target = resolveModule(path, statement.moduleSpecifier.text);
      // An npm package (zod): the chain starts there, with no default of ours.
      if (target === null) return null;
      return findDeclaration(target, imported.propertyName?.text ?? name, seen);
    }
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      if (!ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const clause = statement.exportClause;
      const exported =
        clause === undefined ||
        (ts.isNamedExports(clause) && clause.elements.some((e) => e.name.text === name));
      if (!exported) continue;
      const target = resolveModule(path, statement.moduleSpecifier.text);
      if (target === null) continue;
      const found = findDeclaration(target, name, seen);
      if (found !== null) return found;
    }
  }
  return null;
}

function returnedExpression(declaration: ts.FunctionDeclaration, path: string): ts.Expression {
  const statement = declaration.body?.statements.find(ts.isReturnStatement);
  if (statement?.expression === undefined) {
    throw new Error(`${path}: ${declaration.name?.text ?? 'function'} returns no expression`);
  }
  return statement.expression;
}

/** Whether a zod schema expression ends in `.default(…)` or `.optional()`, following our own helpers. */
function hasDefault(expression: ts.Expression, path: string): boolean {
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression)) {
    return hasDefault(expression.expression, path);
  }
  if (ts.isCallExpression(expression)) {
    const callee = expression.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      if (callee.name.text === 'default' || callee.name.text === 'optional') return true;
      return hasDefault(callee.expression, path);
    }
    if (ts.isIdentifier(callee)) {
      const declaration = findDeclaration(path, callee.text);
      if (declaration === null) return false;
      if (!ts.isFunctionDeclaration(declaration.node)) {
        throw new Error(`${path}: ${callee.text} is called but is not a function declaration`);
      }
      return hasDefault(returnedExpression(declaration.node, declaration.path), declaration.path);
    }
    return false;
  }
  if (ts.isPropertyAccessExpression(expression)) return hasDefault(expression.expression, path);
  if (ts.isIdentifier(expression)) {
    const declaration = findDeclaration(path, expression.text);
    if (declaration === null) return false;
    if (!ts.isVariableDeclaration(declaration.node) || declaration.node.initializer === undefined) {
      throw new Error(`${path}: ${expression.text} is not a variable with a value`);
    }
    return hasDefault(declaration.node.initializer, declaration.path);
  }
  return false;
}

/** The fields of an object literal of zod schemas, spreads of helpers such as workerEnvFields included. */
function collectFields(literal: ts.ObjectLiteralExpression, path: string, into: Map<string, boolean>): void {
  for (const property of literal.properties) {
    if (ts.isPropertyAssignment(property)) {
      const name = property.name;
      if (!ts.isIdentifier(name) && !ts.isStringLiteral(name)) {
        throw new Error(`${path}: a computed key in the env schema`);
      }
      into.set(name.text, !hasDefault(property.initializer, path));
    } else if (ts.isShorthandPropertyAssignment(property)) {
      into.set(property.name.text, !hasDefault(property.name, path));
    } else if (ts.isSpreadAssignment(property)) {
      const spread = property.expression;
      if (!ts.isCallExpression(spread) || !ts.isIdentifier(spread.expression)) {
        throw new Error(`${path}: only spreads of helper calls are understood in an env schema`);
      }
      const declaration = findDeclaration(path, spread.expression.text);
      if (declaration === null || !ts.isFunctionDeclaration(declaration.node)) {
        throw new Error(`${path}: cannot find the helper ${spread.expression.text}`);
      }
      const returned = returnedExpression(declaration.node, declaration.path);
      if (!ts.isObjectLiteralExpression(returned)) {
        throw new Error(`${declaration.path}: ${spread.expression.text} must return an object literal`);
      }
      collectFields(returned, declaration.path, into);
    } else {
      throw new Error(`${path}: unexpected ${ts.SyntaxKind[property.kind]} in the env schema`);
    }
  }
}

/** The object literal of the one `z.object({…})` call in an env.ts. */
function envObjectLiteral(path: string): ts.ObjectLiteralExpression {
  const found: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'z' &&
      node.expression.name.text === 'object'
    ) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isObjectLiteralExpression(argument)) found.push(argument);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile(path));
  if (found.length !== 1) throw new Error(`${path}: expected one z.object({…}), found ${found.length}`);
  return found[0]!;
}

const specs = new Map<Command, EnvSpec>();

/** The variables a command reads, and which of them it requires, from its env.ts. */
export function envSpec(command: Command): EnvSpec {
  let spec = specs.get(command);
  if (spec === undefined) {
    const path = ENV_FILES[command];
    const fields = new Map<string, boolean>();
    collectFields(envObjectLiteral(path), path, fields);
    spec = {
      names: new Set(fields.keys()),
      required: new Set([...fields].filter(([, required]) => required).map(([name]) => name)),
    };
    specs.set(command, spec);
  }
  return spec;
}
