import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { Histogram, type Registry } from 'prom-client';
import { QUEUE_NAMES } from '@inflow/contracts';
import { TokenCipher, type Database } from '@inflow/db';
import { GuildHealthService } from '@inflow/guild-health';
import {
  createDiscordMetrics,
  DiscordBotClient,
  DiscordOAuthClient,
  DiscordUserClient,
} from '@inflow/discord';
import {
  createDiscordRateLimiter,
  discordLimitKey,
  createProducer,
  createQueueMetrics,
  pingRedis,
  startOutboxRelay,
  type OutboxRelay,
} from '@inflow/queue';
import { createHealthHandlers, type Logger } from '@inflow/service-runtime';
import { createApp } from './app';
import { createQueueBoard, QUEUE_BOARD_PATH } from './admin/queue-board';
import { apiKeyAuth } from './auth/api-key-auth.middleware';
import { apiRateLimit } from './auth/api-rate-limit.middleware';
import { GuildInspector } from './discord/guild-inspector';
import type { ApiEnv } from './env';
import { EventIngestionService } from './events/event-ingestion.service';
import { eventRoutes } from './events/event.routes';
import { GuildInstallService } from './guilds/guild-install.service';
import { guildRoutes } from './guilds/guild.routes';
import { GuildService } from './guilds/guild.service';
import type { RouteDefinition } from './http/route';
import { DashboardActionsService } from './dashboard/dashboard-actions.service';
import { dashboardRoutes } from './dashboard/dashboard.routes';
import { DashboardSessionService } from './dashboard/dashboard-session.service';
import { CsrfTokens } from './http/csrf';
import { registerOperationsMetrics } from './metrics/operations-metrics';
import { OfferService } from './offers/offer.service';
import { DiscordLinkService } from './portal/discord-link.service';
import { portalRoutes } from './portal/portal.routes';
import { PortalSessionService } from './portal/portal-session.service';
import { PortalViewService } from './portal/portal-view.service';
import { offerRoutes } from './offers/offer.routes';
import { openApiDocument } from './openapi/openapi-document';
import { SubscriptionReadService } from './subscriptions/subscription-read.service';
import { subscriptionRoutes } from './subscriptions/subscription.routes';

const READINESS_TIMEOUT_MS = 900;

/** What the api is built from: its configuration and the connections main.ts (or a test) opened. */
export interface ApiParts {
  env: Omit<ApiEnv, 'DATABASE_URL' | 'REDIS_URL' | 'PORT' | 'LOG_LEVEL' | 'SHUTDOWN_TIMEOUT_MS'>;
  db: Database;
  /** A `producer` connection: fails fast while Redis is down. */
  redis: Redis;
  logger: Logger;
  registry: Registry;
  isShuttingDown: () => boolean;
}

export interface ComposedApi {
  app: Express;
  routes: readonly RouteDefinition[];
  relay: OutboxRelay;
  /** Stops the relay and closes the producers; the caller closes the connections it owns. */
  close(): Promise<void>;
}

/** Wires the api: Discord clients, producers and the outbox relay, services, routes, the express app. */
export function composeApi(parts: ApiParts): ComposedApi {
  const { env, db, redis, logger } = parts;
  const producers = {
    [QUEUE_NAMES.roleSync]: createProducer(QUEUE_NAMES.roleSync, {
      connection: redis,
      prefix: env.QUEUE_PREFIX,
    }),
    [QUEUE_NAMES.notifications]: createProducer(QUEUE_NAMES.notifications, {
      connection: redis,
      prefix: env.QUEUE_PREFIX,
    }),
    [QUEUE_NAMES.cleanup]: createProducer(QUEUE_NAMES.cleanup, {
      connection: redis,
      prefix: env.QUEUE_PREFIX,
    }),
  };
  const relay = startOutboxRelay({
    source: db.repositories.outbox,
    producers,
    onDeadLetter: (row, reason) =>
      logger.error({ outboxId: row.id, jobName: row.jobName, reason }, 'outbox row can never be published'),
    onError: (error, failures, retryInMs) =>
      logger.warn({ err: error, failures, retryInMs }, 'outbox relay failed; retrying'),
  });

  const limiter = createDiscordRateLimiter({
    redis,
    key: discordLimitKey(env.QUEUE_PREFIX, env.DISCORD_CLIENT_ID),
    perSecond: env.DISCORD_GLOBAL_RATE_LIMIT,
    onFallback: (error) => logger.warn({ err: error }, 'Discord rate limiter on local fallback'),
    registry: parts.registry,
  });
  const bot = new DiscordBotClient({
    token: env.DISCORD_BOT_TOKEN,
    apiBaseUrl: env.DISCORD_API_URL,
    limiter,
    hooks: createDiscordMetrics(parts.registry),
  });
  const oauth = new DiscordOAuthClient({
    clientId: env.DISCORD_CLIENT_ID,
    clientSecret: env.DISCORD_CLIENT_SECRET,
    apiBaseUrl: env.DISCORD_API_URL,
  });

  const inspector = new GuildInspector(bot);
  const wake = () => relay.wake();
  const guilds = new GuildService(db, inspector, new GuildHealthService(db, bot), wake);
  const offers = new OfferService({ db, guilds: inspector, outboxWritten: wake });
  const installs = new GuildInstallService(db, oauth, guilds, {
    authorizeUrl: env.DISCORD_OAUTH_AUTHORIZE_URL,
    clientId: env.DISCORD_CLIENT_ID,
    redirectUri: new URL('/oauth/discord/bot-callback', env.PUBLIC_URL).toString(),
  });
  const secret = Buffer.from(env.TOKEN_ENCRYPTION_KEY, 'base64');
  const dashboardSessions = new DashboardSessionService(db, env.DASHBOARD_SESSION_TTL_MS);
  const board = createQueueBoard(redis, env.QUEUE_PREFIX, db, dashboardSessions);
  const secureCookies = env.PUBLIC_URL.startsWith('https:');
  // Order matters where paths overlap: /subscription/offer before /subscription/:id.
  const routes = [
    ...offerRoutes(offers),
    ...eventRoutes(new EventIngestionService(db, wake)),
    ...subscriptionRoutes(new SubscriptionReadService(db)),
    ...portalRoutes({
      sessions: new PortalSessionService(db, env.PUBLIC_URL, env.PORTAL_SESSION_TTL_MS),
      links: new DiscordLinkService(
        db,
        oauth,
        new DiscordUserClient({ apiBaseUrl: env.DISCORD_API_URL }),
        new TokenCipher(env.TOKEN_ENCRYPTION_KEY),
        {
          authorizeUrl: env.DISCORD_OAUTH_AUTHORIZE_URL,
          clientId: env.DISCORD_CLIENT_ID,
          redirectUri: new URL('/oauth/discord/callback', env.PUBLIC_URL).toString(),
        },
        wake,
        logger,
      ),
      views: new PortalViewService(db),
      csrf: new CsrfTokens(secret, 'portal'),
      secureCookies,
    }),
    ...guildRoutes(guilds, installs),
    ...dashboardRoutes({
      db,
      sessions: dashboardSessions,
      guilds,
      installs,
      inspector,
      offers,
      actions: new DashboardActionsService(db, wake),
      csrf: new CsrfTokens(secret, 'dashboard'),
      publicUrl: env.PUBLIC_URL,
      secureCookies,
    }),
  ];
  const openApi = openApiDocument(routes, env.PUBLIC_URL);
  registerOperationsMetrics(parts.registry, db);
  const closeQueueMetrics = createQueueMetrics({
    registry: parts.registry,
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    queues: Object.values(QUEUE_NAMES),
  });
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [parts.registry],
  });

  const auth = apiKeyAuth(db);
  const rateLimit = apiRateLimit({
    redis,
    keyPrefix: env.QUEUE_PREFIX,
    perSecond: env.API_RATE_LIMIT_PER_SECOND,
    logger,
  });
  const app = createApp({
    logger,
    health: createHealthHandlers({
      registry: parts.registry,
      isShuttingDown: parts.isShuttingDown,
      timeoutMs: READINESS_TIMEOUT_MS,
      checks: { postgres: () => db.ping(), redis: () => pingRedis(redis, READINESS_TIMEOUT_MS) },
    }),
    routes,
    openApi: () => openApi,
    mounts: [{ path: QUEUE_BOARD_PATH, app: board.app }],
    merchantGuards: {
      everyRequest: [auth.everyRequest, rateLimit],
      keyCheckedByHandler: [auth.checkedByHandler, rateLimit],
    },
    onRequest: (route, method, status, seconds) =>
      requestDuration.observe({ route, method, status }, seconds),
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    routes,
    relay,
    close: () => {
      closing ??= (async () => {
        await relay.stop();
        await Promise.all(Object.values(producers).map((producer) => producer.close()));
        await closeQueueMetrics();
        await board.close();
      })();
      return closing;
    },
  };
}
