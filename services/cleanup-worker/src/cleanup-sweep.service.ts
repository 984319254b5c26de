import type { AccessEndedPosition, Repositories } from '@inflow/db';
import type { JobRequest, Producer } from '@inflow/queue';
import type { DriftPosition, MemberKey } from './drift-position';
import { sweepWindow, type SweepWindow } from './sweep-window';

/** The sweep cursor row of the access-ended sweep: the end of the last window swept. */
export const ACCESS_ENDED_CURSOR = 'access-ended';

type RoleSyncRequest = JobRequest<'role-sync.member'>;
type RoleSyncReason = RoleSyncRequest['payload']['reason'];

export interface CleanupSweepOptions {
  subscriptions: Pick<Repositories['subscriptions'], 'accessEndedPage'>;
  sweepCursors: Pick<Repositories['sweepCursors'], 'get' | 'set'>;
  discordMembers: Pick<Repositories['discordMembers'], 'staleMembers'>;
  /** Where the last drift run stopped. */
  driftPosition: DriftPosition;
  /** Where the role-sync jobs go. Their catalog id collapses repeats for the same member. */
  roleSync: Pick<Producer<'role-sync'>, 'addBulk'>;
  /** The access-ended sweep's period (CLEANUP_INTERVAL_MS); sizes the first window. */
  intervalMs: number;
  /** How far the window's end stays behind the clock (see sweepWindow). */
  commitMarginMs: number;
  /** Rows per query; each page becomes one addBulk. */
  pageSize: number;
  /** Members whose last sync is older than this are re-synced by the drift sweep. */
  driftMaxAgeMs: number;
  /** The most members one drift run enqueues. */
  driftBatchLimit: number;
}

export interface SweepResult {
  /** The window swept, or null when there was nothing new to look at. */
  window: SweepWindow | null;
  /** Subscriptions found whose access ended in the window (linked customers only). */
  subscriptions: number;
  /** Role-sync jobs requested: distinct (guild, user) per page. */
  members: number;
  pages: number;
}

export interface DriftResult {
  /** Members not synced since this moment were due. */
  staleBefore: Date;
  /** The run continued after this member (where the last one stopped), or started from the beginning. */
  startedAfter: MemberKey | null;
  /** Role-sync jobs requested. */
  members: number;
  pages: number;
  /** True when the run stopped at the batch limit; the rest wait for the next run. */
  stoppedAtLimit: boolean;
}

/**
 * Finds members whose access may have ended and asks the role-sync worker to reconcile them. It decides
 * nothing about roles itself: a role-sync job re-reads Postgres and applies the access rule, so a member
 * enqueued needlessly (another subscription still grants the role) costs one no-op sync, never a wrong
 * removal.
 */
export class CleanupSweepService {
  constructor(private readonly options: CleanupSweepOptions) {
    for (const [name, value, min] of [
      ['intervalMs', options.intervalMs, 1],
      ['commitMarginMs', options.commitMarginMs, 0],
      ['pageSize', options.pageSize, 1],
      ['driftMaxAgeMs', options.driftMaxAgeMs, 1],
      ['driftBatchLimit', options.driftBatchLimit, 1],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
      }
    }
  }

  /**
   * Enqueues role sync for every linked member whose access ended in the window after the last sweep,
   * then moves the cursor to the window's end. A failure before the cursor moves leaves it where it was,
   * so the retry sweeps the same window again; what the failed run already enqueued collapses or
   * re-syncs harmlessly.
   */
  async sweep(now: Date): Promise<SweepResult> {
    const { subscriptions, sweepCursors, pageSize } = this.options;
    const window = sweepWindow(await sweepCursors.get(ACCESS_ENDED_CURSOR), now, this.options);
    if (window === null) {
      return { window, subscriptions: 0, members: 0, pages: 0 };
    }
    let found = 0;
    let members = 0;
    let pages = 0;
    let after: AccessEndedPosition | null = null;
    for (;;) {
      const page = await subscriptions.accessEndedPage(window.from, window.to, after, pageSize);
      pages += 1;
      found += page.members.length;
      members += await this.enqueue(
        page.members.map((row) => ({ guildId: row.guildId, userId: row.discordUserId })),
        'cleanup',
      );
      if (page.next === null) break;
      after = page.next;
    }
    await sweepCursors.set(ACCESS_ENDED_CURSOR, window.to);
    return { window, subscriptions: found, members, pages };
  }

  /**
   * Enqueues role sync for members whose last sync is older than the drift age, at most the batch
   * limit per run, continuing after the member where the last run stopped and starting over once it
   * reached the end. Resuming matters: a member that stays stale (a sync that skips without stamping
   * it, such as one for a member no offer concerns) would otherwise be picked first by every run, and
   * members later in the order would never be reached.
   */
  async drift(now: Date): Promise<DriftResult> {
    const { discordMembers, driftPosition, pageSize, driftMaxAgeMs, driftBatchLimit } = this.options;
    const staleBefore = new Date(now.getTime() - driftMaxAgeMs);
    const startedAfter = await driftPosition.get();
    let members = 0;
    let pages = 0;
    let after = startedAfter;
    while (members < driftBatchLimit) {
      const wanted = Math.min(pageSize, driftBatchLimit - members);
      const rows = await discordMembers.staleMembers(staleBefore, wanted, after);
      pages += 1;
      members += await this.enqueue(
        rows.map((row) => ({ guildId: row.guildId, userId: row.discordUserId })),
        'drift',
      );
      const last = rows.at(-1);
      if (last === undefined || rows.length < wanted) {
        await driftPosition.set(null);
        return { staleBefore, startedAfter, members, pages, stoppedAtLimit: false };
      }
      after = { guildId: last.guildId, discordUserId: last.discordUserId };
    }
    await driftPosition.set(after);
    return { staleBefore, startedAfter, members, pages, stoppedAtLimit: true };
  }

  /** One addBulk for a page, one job per distinct member; returns how many were requested. */
  private async enqueue(
    targets: ReadonlyArray<{ guildId: string; userId: string }>,
    reason: RoleSyncReason,
  ): Promise<number> {
    // Ids come from columns whose CHECK constraints match the snowflake schema, so the producer's
    // validation cannot reject a page because of one row.
    const jobs = new Map<string, RoleSyncRequest>();
    for (const { guildId, userId } of targets) {
      jobs.set(`${guildId}:${userId}`, {
        name: 'role-sync.member',
        payload: { guildId, userId, reason },
      });
    }
    await this.options.roleSync.addBulk([...jobs.values()]);
    return jobs.size;
  }
}
