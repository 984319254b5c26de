/** The parts of a role that decide its place in the hierarchy. */
export interface RankedRole {
  id: string;
  position: number;
}

/**
 * Orders roles as Discord does: a higher position ranks higher, and among equal positions the older role
 * (the smaller snowflake) ranks higher. Returns a positive number when `a` ranks above `b`.
 */
export function compareRoles(a: RankedRole, b: RankedRole): number {
  if (a.position !== b.position) return a.position - b.position;
  const idA = BigInt(a.id);
  const idB = BigInt(b.id);
  if (idA === idB) return 0;
  return idA < idB ? 1 : -1;
}

/** The highest-ranking role among `roles`, or undefined for none (the member has only @everyone). */
export function highestRole<T extends RankedRole>(roles: readonly T[]): T | undefined {
  let highest: T | undefined;
  for (const role of roles) {
    if (highest === undefined || compareRoles(role, highest) > 0) highest = role;
  }
  return highest;
}

/**
 * Whether an actor whose highest role is `actorHighest` may grant or remove `target`: only roles ranking
 * strictly below the actor's highest role. An actor with no role (only @everyone) can manage none.
 */
export function ranksBelow(target: RankedRole, actorHighest: RankedRole | undefined): boolean {
  return actorHighest !== undefined && compareRoles(actorHighest, target) > 0;
}
