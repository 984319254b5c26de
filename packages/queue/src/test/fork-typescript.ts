import { fork, type ChildProcess } from 'node:child_process';
import { typeScriptExecArgv } from '@inflow/testing';

/**
 * Starts a TypeScript file of this package in a child node process (compiled on load), with an IPC
 * channel for `process.send` and the child's output on the test's console.
 */
export function forkTypeScript(entry: string, env: Record<string, string>): ChildProcess {
  return fork(entry, [], {
    execArgv: [...typeScriptExecArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the first IPC message the child sends that matches, rejects if it exits first. */
export function nextMessage<T>(child: ChildProcess, matches: (message: unknown) => message is T): Promise<T> {
  return new Promise((resolve, reject) => {
    function onMessage(message: unknown): void {
      if (matches(message)) {
        cleanup();
        resolve(message);
      }
    }
    function onExit(code: number | null, signal: string | null): void {
      cleanup();
      reject(new Error(`child exited (code ${code}, signal ${signal}) before sending the expected message`));
    }
    function cleanup(): void {
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Resolves once the child has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
