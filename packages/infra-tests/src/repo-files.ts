import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root: this file is packages/infra-tests/src/repo-files.ts. */
const REPO_ROOT = resolve(__dirname, '../../..');

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/** The files directly in a folder of the repository (not its subfolders), sorted. */
export function listFiles(folder: string): string[] {
  return readdirSync(repoPath(folder), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

/**
 * Parses one YAML document. Merge keys (`<<: *anchor`) are on because docker-compose.yml uses them, as
 * Compose does; a syntax error or a duplicate key throws instead of being ignored.
 */
export function parseYaml(text: string): unknown {
  return parse(text, { merge: true, uniqueKeys: true, prettyErrors: true });
}

/** Every document of a multi-document YAML file, each parsed as {@link parseYaml} does. */
export function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text, { merge: true, uniqueKeys: true, prettyErrors: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join('\n'));
    return document.toJS() as unknown;
  });
}

/** The KEY=VALUE pairs of an env file, as kustomize and Compose read them: `#` lines and blanks skipped. */
export function parseEnvFile(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    if (equals <= 0) throw new Error(`not a KEY=VALUE line: ${trimmed}`);
    const key = trimmed.slice(0, equals);
    if (pairs.has(key)) throw new Error(`${key} is set twice`);
    pairs.set(key, trimmed.slice(equals + 1));
  }
  return pairs;
}

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows a parsed value to an object, naming where it was expected when it is not one. */
export function asObject(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new Error(`${where} must be a mapping`);
  return value;
}

export function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} must be a list`);
  return value;
}

export function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where} must be a string`);
  return value;
}
