import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type HealthHandler, type HealthHandlers } from './health-handlers';
import { sendProblem } from './http-response';

export interface StartHealthServerOptions {
  /** The port to listen on; 0 lets the OS pick one (tests read it back from the result). */
  port: number;
  /** The interface to bind. Default: every interface, which Kubernetes probes from the node need. */
  host?: string;
  /** Usually from createHealthHandlers. */
  handlers: HealthHandlers;
}

export interface HealthServer {
  /** The port actually bound. */
  port: number;
  /** Stops accepting connections and resolves once open requests finished. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A plain node:http server for the workers, serving `/healthz`, `/readyz` and `/metrics`. The api
 * mounts the same handlers on its express app instead.
 */
export async function startHealthServer(options: StartHealthServerOptions): Promise<HealthServer> {
  const routes = new Map<string, HealthHandler>([
    ['/healthz', options.handlers.healthz],
    ['/readyz', options.handlers.readyz],
    ['/metrics', options.handlers.metrics],
  ]);
  const server = createServer((req, res) => route(routes, req, res));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (options.host === undefined) server.listen(options.port, listening);
    else server.listen(options.port, options.host, listening);
  });

  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`health server is not bound to a TCP port (address: ${String(address)})`);
  }
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Scrapers hold keep-alive connections; without this, close waits for them to time out.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function route(routes: ReadonlyMap<string, HealthHandler>, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const handler = routes.get(path);
  if (handler === undefined) {
    sendProblem(
      res,
      404,
      'Not Found',
      `No route for ${path}; this server answers /healthz, /readyz and /metrics.`,
    );
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendProblem(res, 405, 'Method Not Allowed', `${path} answers GET and HEAD only.`);
    return;
  }
  // The handlers answer every outcome themselves; a rejection here would be a bug, so drop the socket.
  handler(req, res).catch(() => res.destroy());
}
