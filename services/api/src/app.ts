import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { HealthHandlers, Logger } from '@inflow/service-runtime';
import { ProblemError, problems, sendProblem } from './http/problem';

export interface AppDependencies {
  logger: Logger;
  health: HealthHandlers;
}

/** Bodies above this are refused before parsing; events and offers are small. */
const BODY_LIMIT = '64kb';

/** The express app: health and metrics, the merchant API, and problem+json for every error. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.get('/healthz', deps.health.healthz);
  app.get('/readyz', deps.health.readyz);
  app.get('/metrics', deps.health.metrics);

  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
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
      sendProblem(res, error.problem);
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
