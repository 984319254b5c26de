/** The parts of a role that decide its rank. */
export interface RankedRole {
  id: string;
  position: number;
}

/**
 * Orders roles as Discord does: the higher position ranks higher and, at equal positions, the older role
 * (the smaller snowflake) ranks higher. Positive when `a` ranks above `b`, 0 for the same role.
 */
export function compareRoles(a: RankedRole, b: RankedRole): number {
  if (a.position !== b.position) return a.position - b.position;
  const idA = BigInt(a.id);
  const idB = BigInt(b.id);
  if (idA === idB) return 0;
  return idA < idB ? 1 : -1;
}

/** The highest-ranking role, or undefined for none (the member holds only @everyone). */
export function highestRole<Role extends RankedRole>(roles: readonly Role[]): Role | undefined {
  let highest: Role | undefined;
  for (const role of roles) if (highest === undefined || compareRoles(role, highest) > 0) highest = role;
  return highest;
}
