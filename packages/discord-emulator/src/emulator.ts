import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type ControlContext, controlRoutes, type EmulatorInfo } from './control/control.routes';
import { RequestValidator } from './discord/request-validator';
import { type EmulatorOptions, resolveEmulatorOptions } from './emulator-options';
import { Faults } from './faults/faults';
import { GatewayServer } from './gateway/gateway-server';
import { type ApiResponse } from './http/api-types';
import { RestPipeline } from './http/rest-pipeline';
import { Router } from './http/router';
import { authorize, oauthTokenRoutes } from './oauth/oauth.routes';
import { RateLimiter } from './rate-limit/rate-limiter';
import { guildRoutes } from './rest/guild.routes';
import { messageRoutes } from './rest/message.routes';
import { type RestContext } from './rest/rest-context';
import { resolveRouteBuckets } from './rest/route-buckets';
import { userRoutes } from './rest/user.routes';
import { ControlError, EmulatorState } from './state/emulator-state';
import { Stats } from './stats/stats';

const API_PREFIX = '/api/v10';
const CONTROL_PREFIX = '/_emulator';
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** A running emulator: its addresses and credentials, and the handles tests drive it with. */
export interface DiscordEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `${url}/api`; clients append `/v10`. */
  readonly apiBaseUrl: string;
  /** `ws://127.0.0.1:PORT/gateway`, what GET /gateway/bot returns. */
  readonly gatewayUrl: string;
  /** `${url}/oauth2/authorize`, where browsers are sent. */
  readonly authorizeUrl: string;
  readonly botToken: string;
  readonly applicationId: string;
  readonly clientSecret: string;
  readonly botUserId: string;
  readonly redirectUris: readonly string[];
  /** The world and its control methods (guilds, roles, members, OAuth consent, seedDemo, …). */
  readonly state: EmulatorState;
  /** Fault injection for REST and gateway. */
  readonly faults: Faults;
  /** Counters and the request log. */
  readonly stats: Stats;
  /** Rate-limit state: `reset()` lifts bans and clears windows. */
  readonly rateLimits: RateLimiter;
  /** Open gateway sockets and live sessions. */
  gatewayCounts(): { connections: number; sessions: number };
  /** Closes every socket and the server. Safe to call more than once. */
  stop(): Promise<void>;
}

class RunningEmulator implements DiscordEmulator {
  readonly url: string;
  readonly apiBaseUrl: string;
  readonly gatewayUrl: string;
  readonly authorizeUrl: string;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly server: Server,
    private readonly gateway: GatewayServer,
    private readonly info: Omit<EmulatorInfo, 'url' | 'apiBaseUrl' | 'gatewayUrl' | 'authorizeUrl'>,
    readonly state: EmulatorState,
    readonly faults: Faults,
    readonly stats: Stats,
    readonly rateLimits: RateLimiter,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.apiBaseUrl = `${this.url}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.authorizeUrl = `${this.url}/oauth2/authorize`;
  }

  get botToken(): string {
    return this.info.botToken;
  }
  get applicationId(): string {
    return this.info.applicationId;
  }
  get clientSecret(): string {
    return this.info.clientSecret;
  }
  get botUserId(): string {
    return this.info.botUserId;
  }
  get redirectUris(): readonly string[] {
    return this.info.redirectUris;
  }

  describe(): EmulatorInfo {
    return {
      url: this.url,
      apiBaseUrl: this.apiBaseUrl,
      gatewayUrl: this.gatewayUrl,
      authorizeUrl: this.authorizeUrl,
      ...this.info,
      redirectUris: [...this.info.redirectUris],
    };
  }

  gatewayCounts(): { connections: number; sessions: number } {
    return this.gateway.counts();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.gateway.stop();
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        // Keep-alive sockets (undici keeps them) would hold close() open forever.
        this.server.closeAllConnections();
      });
    })();
    return this.stopping;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ControlError('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function write(response: ServerResponse, apiResponse: ApiResponse): void {
  const headers: Record<string, string> = { ...apiResponse.headers };
  if (apiResponse.status === 204 || apiResponse.body === undefined) {
    response.writeHead(apiResponse.status, headers);
    response.end();
    return;
  }
  const payload = JSON.stringify(apiResponse.body);
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  response.writeHead(apiResponse.status, headers);
  response.end(payload);
}

/**
 * Starts a stateful fake Discord on 127.0.0.1: REST under `/api/v10`, OAuth2 (`/oauth2/authorize`,
 * `/api/v10/oauth2/token`), the gateway on `/gateway`, and the control API under `/_emulator`.
 */
export async function startEmulator(options?: EmulatorOptions): Promise<DiscordEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const now = Date.now;
  const log = resolved.logger;
  const state = new EmulatorState({
    botUserId: resolved.botUserId,
    botUsername: resolved.botUsername,
    applicationId: resolved.applicationId,
    tokenTtlSeconds: resolved.tokenTtlSeconds,
    privilegedIntents: resolved.privilegedIntents,
    now,
  });
  const limiter = new RateLimiter({
    globalPerSecond: resolved.globalRateLimit,
    invalidRequests: resolved.invalidRequestLimit,
  });
  const faults = new Faults(now);
  const stats = new Stats(limiter, now);

  // The URLs exist only once the server listens; handlers that need them run after that.
  const started: { emulator?: RunningEmulator } = {};
  const running = (): RunningEmulator => {
    if (!started.emulator) throw new Error('emulator is not listening yet');
    return started.emulator;
  };
  const gateway = new GatewayServer({
    state,
    botToken: resolved.botToken,
    url: () => running().gatewayUrl,
    heartbeatIntervalMs: resolved.heartbeatIntervalMs,
    recommendedShards: resolved.recommendedShards,
    identify: resolved.identify,
    sessionStartLimit: resolved.sessionStartLimit,
    resumeWindowMs: resolved.resumeWindowMs,
    log,
    now,
  });
  faults.attachGateway(gateway);

  const restContext: RestContext = {
    state,
    validator: new RequestValidator(),
    buckets: resolveRouteBuckets(resolved.routeBuckets),
    application: {
      id: resolved.applicationId,
      name: resolved.applicationName,
      clientSecret: resolved.clientSecret,
      redirectUris: resolved.redirectUris,
    },
    gatewayInfo: () => gateway.gatewayInfo(),
    now,
  };
  const pipeline = new RestPipeline({
    router: new Router([
      ...guildRoutes(restContext),
      ...messageRoutes(restContext),
      ...userRoutes(restContext),
      ...oauthTokenRoutes(restContext),
    ]),
    limiter,
    faults,
    stats,
    oauth: state.oauth,
    botToken: resolved.botToken,
    log,
    now,
  });
  const controlContext: ControlContext = {
    state,
    faults,
    stats,
    limiter,
    info: () => running().describe(),
    gatewayCounts: () => gateway.counts(),
  };
  const controlRouter = new Router(controlRoutes(controlContext));

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(request);
    const path = url.pathname;
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      const match = controlRouter.match(request.method ?? 'GET', path.slice(CONTROL_PREFIX.length) || '/');
      if (match.kind !== 'matched') {
        write(response, {
          status: match.kind === 'not-found' ? 404 : 405,
          body: { error: `no control route ${request.method} ${path}` },
        });
        return;
      }
      const result = await match.route.handle({
        method: request.method ?? 'GET',
        path,
        params: match.params,
        query: url.searchParams,
        headers: request.headers,
        rawBody,
        ip: request.socket.remoteAddress ?? 'unknown',
        principal: { kind: 'anonymous' },
      });
      write(response, result);
      return;
    }
    if (path === '/oauth2/authorize') {
      const outcome = authorize(restContext, url.searchParams);
      const status = outcome.kind === 'redirect' ? 302 : outcome.status;
      stats.record({
        time: now(),
        method: request.method ?? 'GET',
        route: '/oauth2/authorize',
        path,
        status,
        code: outcome.kind === 'page' && typeof outcome.body.error === 'string' ? outcome.body.error : null,
        auditLogReason: null,
        rateLimitScope: null,
        ip: request.socket.remoteAddress ?? 'unknown',
      });
      if (outcome.kind === 'redirect')
        write(response, { status: 302, headers: { Location: outcome.location } });
      else write(response, { status: outcome.status, body: outcome.body });
      return;
    }
    if (path.startsWith(`${API_PREFIX}/`)) {
      const result = await pipeline.run(request, path.slice(API_PREFIX.length), url.searchParams, rawBody);
      // A TCP reset, as a dying load balancer sends: clients see ECONNRESET.
      if (result.kind === 'drop') request.socket.resetAndDestroy();
      else write(response, result.response);
      return;
    }
    write(response, { status: 404, body: { message: '404: Not Found', code: 0 } });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof ControlError ? error.status : error instanceof RangeError ? 400 : 500;
      if (status === 500)
        log(
          `http: ${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      if (!response.headersSent)
        write(response, { status, body: { error: error instanceof Error ? error.message : String(error) } });
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/gateway' || path === '/gateway/') gateway.handleUpgrade(request, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const emulator = new RunningEmulator(
    server,
    gateway,
    {
      botToken: resolved.botToken,
      applicationId: resolved.applicationId,
      clientSecret: resolved.clientSecret,
      botUserId: resolved.botUserId,
      redirectUris: resolved.redirectUris,
    },
    state,
    faults,
    stats,
    limiter,
  );
  started.emulator = emulator;
  log(`emulator listening on ${emulator.url}`);
  return emulator;
}
