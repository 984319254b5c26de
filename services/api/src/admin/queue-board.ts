import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express, { type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@inflow/contracts';
import type { Database } from '@inflow/db';
import { simplePage } from '../html/page';
import { readCookie } from '../http/cookies';
import { DASHBOARD_COOKIE } from '../dashboard/dashboard.routes';
import type { DashboardSessionService } from '../dashboard/dashboard-session.service';

export const QUEUE_BOARD_PATH = '/admin/queues';

export interface QueueBoard {
  app: Express;
  close(): Promise<void>;
}

/**
 * Bull Board over every queue at /admin/queues: inspect waiting, failed and delayed jobs, and retry
 * failed ones. It shows every merchant's jobs (ids only, never tokens or e-mails), so only operators'
 * dashboard sessions get in.
 */
export function createQueueBoard(
  connection: Redis,
  prefix: string,
  db: Database,
  sessions: DashboardSessionService,
): QueueBoard {
  const queues = Object.values(QUEUE_NAMES).map(
    (name) => new Queue(name, { connection, prefix, skipWaitingForReady: true, skipVersionCheck: true }),
  );
  for (const queue of queues) queue.on('error', () => undefined);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: adapter });

  const operatorsOnly: RequestHandler = async (req, res, next) => {
    const session = await sessions.resolve(readCookie(req, DASHBOARD_COOKIE));
    if (session === null) {
      res.redirect(303, '/dashboard/login');
      return;
    }
    const merchant = await db.repositories.merchants.findById(session.merchantId);
    if (merchant?.isOperator !== true) {
      res
        .status(403)
        .type('html')
        .send(
          simplePage('Operators only', [
            'The queue dashboard shows every merchant’s jobs, so only operators may open it.',
            'An operator grants access with: pnpm admin merchant operator --merchant <id>',
          ]),
        );
      return;
    }
    next();
  };
  // A sub-application: the board's own routes stay out of the product API's router (and its OpenAPI).
  const app = express();
  app.use(operatorsOnly, adapter.getRouter() as RequestHandler);
  return {
    app,
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
