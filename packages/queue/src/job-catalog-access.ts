import {
  JOB_CATALOG,
  type JobName,
  type JobNameOf,
  type JobPayload,
  type QueueName,
} from '@inflow/contracts';

/** A payload that does not match its job's schema, or a job name the catalog does not know. */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';

  constructor(
    readonly jobName: string,
    /** One line per problem, `path: message`; safe to log (no payload values). */
    readonly problems: readonly string[],
  ) {
    super(`Invalid payload for job "${jobName}": ${problems.join('; ')}`);
  }
}

/** True when the catalog defines a job of this name (outbox rows and raw jobs carry plain strings). */
export function isJobName(value: string): value is JobName {
  return Object.hasOwn(JOB_CATALOG, value);
}

/** True when the catalog defines this job name on this queue. */
export function isJobNameOf<Queue extends QueueName>(queue: Queue, value: string): value is JobNameOf<Queue> {
  return isJobName(value) && JOB_CATALOG[value].queue === queue;
}

/**
 * Parses a payload with its job's catalog schema. Returns the parsed payload (what producers enqueue
 * and handlers receive) or throws {@link InvalidJobPayloadError}.
 */
export function parseJobPayload<Name extends JobName>(name: Name, payload: unknown): JobPayload<Name> {
  const result = JOB_CATALOG[name].schema.safeParse(payload);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    });
    throw new InvalidJobPayloadError(name, problems);
  }
  // safeParse on the catalog entry of `Name` yields exactly JobPayload<Name>; TypeScript cannot
  // narrow the indexed access through the generic, so the link is restated here.
  return result.data as JobPayload<Name>;
}
