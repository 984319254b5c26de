import express, {
  Router,
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
} from 'express';
import { isDatabaseUnavailableError } from '@inflow/db';
import type { HealthHandlers, Logger } from '@inflow/service-runtime';
import { simplePage } from './html/page';
import { ProblemError, problems, sendProblem, type Problem } from './http/problem';
import { mountRoutes, type MerchantGuards, type RouteDefinition } from './http/route';

export interface AppDependencies {
  logger: Logger;
  health: HealthHandlers;
  routes: readonly RouteDefinition[];
  /** Run before every merchant route: authentication, then rate limiting. */
  merchantGuards: MerchantGuards;
  openApi: () => unknown;
  /** Sub-applications mounted at a path before the API's routes (the queue dashboard). */
  mounts?: ReadonlyArray<{ path: string; app: Express }>;
  /** Observes each finished request (metrics). */
  onRequest?: (route: string, method: string, status: number, durationSeconds: number) => void;
}

/** Bodies above this are refused before parsing; events and offers are small. */
const BODY_LIMIT = '64kb';

/** The express app: health and metrics, the merchant API, and problem+json for every error. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(observe(deps.logger, deps.onRequest));
  app.get('/healthz', deps.health.healthz);
  app.get('/readyz', deps.health.readyz);
  app.get('/metrics', deps.health.metrics);
  app.get('/openapi.json', (_req, res) => {
    res.json(deps.openApi());
  });

  for (const mount of deps.mounts ?? []) app.use(mount.path, mount.app);
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  // The portal's and dashboard's forms.
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 50 }));
  const router = Router();
  mountRoutes(router, deps.routes, deps.merchantGuards);
  app.use(router);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/** Metrics and a debug access log per request: the route template, never the URL, headers or body. */
function observe(logger: Logger, onRequest: AppDependencies['onRequest']): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      onRequest?.(route, req.method, res.statusCode, seconds);
      logger.debug(
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    });
    next();
  };
}

/** Browser pages (dashboard, portal) get their errors as pages; API clients get problem+json. */
function wantsPage(req: Request): boolean {
  return (
    /^\/(dashboard|portal)(\/|$)/.test(req.path) &&
    req.accepts(['application/json', 'text/html']) === 'text/html'
  );
}

function problemPage(problem: Problem): string {
  const fields = (problem.errors ?? []).map(
    (error) => `${error.pointer.replace(/^\//, '') || 'request'}: ${error.detail}`,
  );
  return simplePage(problem.title, [problem.detail, ...fields, 'Go back and try again.']);
}

const notFound: RequestHandler = (_req, _res, next) => {
  next(problems.notFound());
};

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof ProblemError) {
      if (wantsPage(req)) {
        res.status(error.problem.status).set(error.headers).type('html').send(problemPage(error.problem));
        return;
      }
      sendProblem(res, error.problem, error.headers);
      return;
    }
    const bodyError = error as { type?: string; status?: number; expose?: boolean; message?: string };
    if (bodyError.type === 'entity.too.large') {
      sendProblem(
        res,
        new ProblemError(413, 'too-large', 'Payload Too Large', `The body exceeds ${BODY_LIMIT}.`).problem,
      );
      return;
    }
    if (bodyError.type === 'entity.parse.failed') {
      sendProblem(
        res,
        new ProblemError(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.').problem,
      );
      return;
    }
    if (error instanceof URIError) {
      // The router could not percent-decode a path parameter.
      sendProblem(
        res,
        new ProblemError(
          400,
          'malformed-path',
          'Malformed address',
          'The address holds a malformed percent-encoding.',
        ).problem,
      );
      return;
    }
    if (
      typeof bodyError.status === 'number' &&
      bodyError.status >= 400 &&
      bodyError.status < 500 &&
      bodyError.expose === true
    ) {
      sendProblem(
        res,
        new ProblemError(bodyError.status, 'bad-request', 'Bad Request', bodyError.message ?? 'Bad request.')
          .problem,
      );
      return;
    }
    if (isDatabaseUnavailableError(error)) {
      logger.warn({ err: error, method: req.method, path: req.path }, 'database unavailable');
      const unavailable = problems.unavailableRetry(
        'The database is unavailable; nothing was written. Retry shortly.',
        2,
      );
      sendProblem(res, unavailable.problem, unavailable.headers);
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    sendProblem(
      res,
      new ProblemError(
        500,
        'internal',
        'Internal Server Error',
        'Something went wrong on our side; it was logged.',
      ).problem,
    );
  };
}
