import { createWorker, type QueueWorker, type WorkerOptions } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { RoleSyncService } from './role-sync.service';

/**
 * The role-sync queue's consumer: parses (createWorker does), logs the job's context, calls the service.
 * Collapsing per member comes from the catalog's job id; ordering does not matter because every run
 * reconciles against the current state.
 */
export function startRoleSyncWorker(
  service: RoleSyncService,
  logger: Logger,
  options: WorkerOptions,
): QueueWorker {
  return createWorker(
    'role-sync',
    {
      'role-sync.member': async (payload, context) => {
        const log = logger.child({
          ...context.logFields,
          guildId: payload.guildId,
          userId: payload.userId,
          trigger: payload.reason,
        });
        const outcome = await service.sync(payload);
        if (outcome === undefined) log.debug('role sync done');
        else log.info({ skipped: outcome.reason }, 'role sync skipped');
        return outcome;
      },
    },
    options,
  );
}
