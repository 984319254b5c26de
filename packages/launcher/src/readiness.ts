import { get } from 'node:http';

function readyOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/readyz', timeout: 2000, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** Polls `/readyz` on each port until every one answers 200; rejects naming the laggards at the deadline. */
export async function waitUntilReady(ports: ReadonlyMap<string, number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(ports);
  while (pending.size > 0) {
    const results = await Promise.all(
      [...pending].map(async ([name, port]) => [name, await readyOnce(port)] as const),
    );
    for (const [name, ready] of results) if (ready) pending.delete(name);
    if (pending.size === 0) return;
    if (Date.now() > deadline)
      throw new Error(`not ready after ${timeoutMs} ms: ${[...pending.keys()].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
