import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '@inflow/testing';

/** A redis-server of the scenario's own: it may be flushed without touching the Redis other tests share. */
export interface PrivateRedis {
  url: string;
  /** FLUSHALL: every queue, job, deduplication key, scheduler and limiter window is gone. */
  flushAll(): Promise<void>;
  /** Keys in the server now (for the report: how much was lost). */
  keyCount(): Promise<number>;
  /** Length of a list (a BullMQ queue's `wait` or `active` list, for the report). */
  listLength(key: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port, without persistence (nothing survives a flush). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });

  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (client.status === 'wait') await client.connect();
      await client.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        client.disconnect();
        throw new Error(`redis-server did not start on ${port}:\n${output.join('')}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    url,
    flushAll: async () => {
      await client.flushall();
    },
    keyCount: () => client.dbsize(),
    listLength: (key) => client.llen(key),
    stop: async () => {
      client.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
