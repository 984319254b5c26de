import { desiredRoles } from '@inflow/contracts';
import type { Database } from '@inflow/db';
import type { EmulatorState } from '@inflow/discord-emulator';

/** One member of one guild. */
export interface MemberRef {
  guildId: string;
  userId: string;
}

/** A member whose managed roles on Discord differ from what Postgres says. */
export interface RoleMismatch extends MemberRef {
  /** The roles the access rule gives over the member's subscriptions in Postgres. */
  expected: string[];
  /** The managed roles the member holds on Discord; null when not in the guild. */
  actual: string[] | null;
}

export interface RoleComparison {
  total: number;
  correct: number;
  mismatches: RoleMismatch[];
}

export interface Convergence {
  /** The last comparison made. */
  comparison: RoleComparison;
  /** Milliseconds from `since` until roles were correct; null when they never were before the timeout. */
  afterMs: number | null;
}

/**
 * The chaos suite's one verdict: for every member, the managed roles Discord shows equal the roles the
 * access rule (`desiredRoles`, the product's own pure function) gives over their subscriptions as
 * Postgres has them. Managed roles are those an offer of the guild names; any other role a member holds
 * is none of the product's business and is ignored.
 */
export async function compareRolesWithPostgres(
  db: Database,
  discord: EmulatorState,
  members: readonly MemberRef[],
  now: Date = new Date(),
): Promise<RoleComparison> {
  const managedByGuild = new Map<string, Set<string>>();
  const mismatches: RoleMismatch[] = [];
  for (const { guildId, userId } of members) {
    let managed = managedByGuild.get(guildId);
    if (managed === undefined) {
      managed = new Set(await db.repositories.offers.managedRoleIds(guildId));
      managedByGuild.set(guildId, managed);
    }
    const subscriptions = await db.repositories.subscriptions.ofMemberInGuild(guildId, userId);
    const expected = desiredRoles(subscriptions, now);
    const held = discord.memberRoles(guildId, userId);
    const actual = held === undefined ? null : held.filter((role) => managed.has(role)).sort();
    const same =
      actual === null
        ? expected.length === 0
        : actual.length === expected.length && actual.every((role, i) => role === expected[i]);
    if (!same) mismatches.push({ guildId, userId, expected, actual });
  }
  return { total: members.length, correct: members.length - mismatches.length, mismatches };
}

/**
 * Compares until every member's roles equal what Postgres says, or until the timeout. Postgres is read
 * afresh each time, so a late event that changes the verdict is taken into account.
 */
export async function waitForRoleConvergence(
  db: Database,
  discord: EmulatorState,
  members: readonly MemberRef[],
  options: { timeoutMs: number; since?: number; intervalMs?: number },
): Promise<Convergence> {
  const since = options.since ?? Date.now();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const comparison = await compareRolesWithPostgres(db, discord, members);
    if (comparison.mismatches.length === 0) return { comparison, afterMs: Date.now() - since };
    if (Date.now() > deadline) return { comparison, afterMs: null };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
