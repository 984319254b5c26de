import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { typeScriptExecArgv } from '@inflow/testing';

export interface TypeScriptProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Each JSON line of stdout so far, parsed. */
  records(): Record<string, unknown>[];
  /** Resolves with the first parsed stdout JSON line that satisfies `match`. */
  waitForLog(match: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Runs a TypeScript file in a child node process, compiled on load (see @inflow/testing). */
export function runTypeScript(file: string, env: NodeJS.ProcessEnv): TypeScriptProcess {
  const child = spawn(process.execPath, [...typeScriptExecArgv, file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lineWaiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const check of lineWaiters) check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const records = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const waitForLog = (match: (record: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = records().find(match);
        if (found === undefined) return;
        lineWaiters.delete(check);
        resolve(found);
      };
      lineWaiters.add(check);
      check();
      void exited.then(() => {
        lineWaiters.delete(check);
        reject(
          new Error(`process exited before the expected log line; stdout:\n${stdout}\nstderr:\n${stderr}`),
        );
      });
    });

  return { child, stdout: () => stdout, stderr: () => stderr, records, waitForLog, exited };
}

/** One GET without keep-alive; resolves with the status, or 'refused' when nothing listens. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string } | 'refused'> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') resolve('refused');
      else reject(error);
    });
    req.end();
  });
}
