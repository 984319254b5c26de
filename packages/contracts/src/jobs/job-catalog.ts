import { z } from 'zod';
import { snowflakeSchema } from '../snowflake';
import { QUEUE_NAMES, type QueueName } from './queue-names';

/** How a job is retried when its handler throws a retryable error. */
export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number; jitter?: number };
}

export interface JobDefinition<Queue extends QueueName = QueueName, Schema extends z.ZodType = z.ZodType> {
  queue: Queue;
  schema: Schema;
  /**
   * The deterministic job id. BullMQ keeps one job per id while it exists, so a burst of requests for
   * the same target collapses into one run. Null lets BullMQ choose (no collapsing wanted).
   */
  jobId: ((payload: z.infer<Schema>) => string) | null;
  retry: RetryPolicy;
}

function defineJob<Queue extends QueueName, Schema extends z.ZodType>(
  definition: JobDefinition<Queue, Schema>,
): JobDefinition<Queue, Schema> {
  return definition;
}

/**
 * Every job in the system: queue, payload schema, id and retry policy. Payloads carry ids only:
 * BullMQ stores them in Redis in clear text, so no token or e-mail address ever goes in a job.
 */
export const JOB_CATALOG = {
  /** Reconcile one member's managed roles in one guild with what their subscriptions grant. */
  'role-sync.member': defineJob({
    queue: QUEUE_NAMES.roleSync,
    schema: z.strictObject({
      guildId: snowflakeSchema,
      userId: snowflakeSchema,
      /** Why the sync was asked for, for logs and the audit trail. */
      reason: z.enum([
        'event',
        'member-join',
        'member-update',
        'link',
        'unlink',
        'offer-change',
        'cleanup',
        'drift',
        'manual',
      ]),
    }),
    jobId: (p) => `role-sync:${p.guildId}:${p.userId}`,
    retry: { attempts: 8, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  }),
  /** Post one merchant event's notification to one guild. */
  'notification.send': defineJob({
    queue: QUEUE_NAMES.notifications,
    schema: z.strictObject({ inboundEventId: z.uuid(), guildId: snowflakeSchema }),
    jobId: (p) => `notify:${p.inboundEventId}:${p.guildId}`,
    retry: { attempts: 6, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  }),
  /** Tell the merchant about a problem in their guild (once per problem): posted to the general channel. */
  'notification.alert': defineJob({
    queue: QUEUE_NAMES.notifications,
    schema: z.strictObject({ alertId: z.string().regex(/^\d+$/) }),
    jobId: (p) => `alert:${p.alertId}`,
    retry: { attempts: 6, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  }),
  /** Find members whose access ended and enqueue role sync for them. Run by a job scheduler. */
  'cleanup.sweep': defineJob({
    queue: QUEUE_NAMES.cleanup,
    schema: z.strictObject({}),
    jobId: null,
    retry: { attempts: 3, backoff: { type: 'fixed', delay: 10_000 } },
  }),
  /** Re-sync members whose last sync is old, reading their roles from Discord. Run by a job scheduler. */
  'cleanup.drift-sweep': defineJob({
    queue: QUEUE_NAMES.cleanup,
    schema: z.strictObject({}),
    jobId: null,
    retry: { attempts: 3, backoff: { type: 'fixed', delay: 30_000 } },
  }),
} as const;

export type JobName = keyof typeof JOB_CATALOG;
export type JobPayload<Name extends JobName> = z.infer<(typeof JOB_CATALOG)[Name]['schema']>;

/** The job names that belong to one queue. */
export type JobNameOf<Queue extends QueueName> = {
  [Name in JobName]: (typeof JOB_CATALOG)[Name]['queue'] extends Queue ? Name : never;
}[JobName];

/** The id a job of this name and payload gets, or undefined to let BullMQ choose. */
export function jobIdFor<Name extends JobName>(name: Name, payload: JobPayload<Name>): string | undefined {
  const definition = JOB_CATALOG[name] as unknown as JobDefinition<QueueName, z.ZodType<JobPayload<Name>>>;
  return definition.jobId === null ? undefined : definition.jobId(payload);
}

/** The scheduler id of the cleanup cycle: one scheduler however many cleanup workers run. */
export const CLEANUP_SCHEDULER_ID = 'cleanup:sweep';

/** The scheduler id of the slower drift sweep. */
export const DRIFT_SCHEDULER_ID = 'cleanup:drift';
