import { createWorker, type JobContext, type QueueWorker, type WorkerOptions } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { AlertNotificationService } from './alert-notification.service';
import type { NotificationService } from './notification.service';

export interface NotificationServices {
  events: NotificationService;
  alerts: AlertNotificationService;
}

function runInfo(context: JobContext): { lastAttempt: boolean } {
  return { lastAttempt: context.attempt >= context.maxAttempts };
}

/**
 * The notifications queue's consumer: parses (createWorker does), logs the job's context, calls the
 * service. One job per (event, guild) or per alert comes from the catalog's job ids; the services'
 * delivery rows make a repeated job a no-op.
 */
export function startNotificationWorker(
  services: NotificationServices,
  logger: Logger,
  options: WorkerOptions,
): QueueWorker {
  return createWorker(
    'notifications',
    {
      'notification.send': async (payload, context) => {
        const log = logger.child({
          ...context.logFields,
          inboundEventId: payload.inboundEventId,
          guildId: payload.guildId,
        });
        const outcome = await services.events.send(payload, runInfo(context));
        if (outcome === undefined) log.info('notification posted');
        else log.info({ skipped: outcome.reason }, 'notification not posted');
        return outcome;
      },
      'notification.alert': async (payload, context) => {
        const log = logger.child({ ...context.logFields, alertId: payload.alertId });
        const outcome = await services.alerts.post(payload, runInfo(context));
        if (outcome === undefined) log.info('alert posted');
        else log.info({ skipped: outcome.reason }, 'alert not posted');
        return outcome;
      },
    },
    options,
  );
}
