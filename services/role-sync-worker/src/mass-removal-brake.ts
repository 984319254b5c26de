import type { Repositories } from '@inflow/db';

export interface MassRemovalBrakeOptions {
  /** The window removals are counted over. */
  windowMs: number;
  /** Below this many removals in the window, the brake never holds. */
  minimum: number;
}

/**
 * Holds removals when a guild would lose more than the merchant's share (merchant.massRemovalThreshold)
 * of its applied managed roles within the window: a bad import or a bug that marks everyone expired
 * then pauses at the first few instead of stripping a whole community. Held removals wait for the
 * merchant; adds are never held.
 */
export class MassRemovalBrake {
  constructor(private readonly options: MassRemovalBrakeOptions) {}

  async wouldExceed(
    repos: Repositories,
    guildId: string,
    threshold: number,
    removals: number,
    now: Date,
  ): Promise<boolean> {
    if (removals === 0) return false;
    const since = new Date(now.getTime() - this.options.windowMs);
    const [recent, applied, released] = await Promise.all([
      repos.auditLog.countSince(guildId, 'role.removed', since),
      repos.roleGrants.countApplied(guildId),
      repos.auditLog.countSince(guildId, 'brake.released', since),
    ]);
    // The merchant looked and released the held removals: let this window's removals through.
    if (released > 0) return false;
    const allowed = Math.max(this.options.minimum, Math.floor(threshold * (applied + recent)));
    return recent + removals > allowed;
  }
}
