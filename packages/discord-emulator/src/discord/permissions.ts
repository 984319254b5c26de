import { ALL_PERMISSIONS, PermissionFlags, hasPermission } from './permission-flags';

/** Overwrite type as Discord encodes it: 0 targets a role, 1 a member. */
export type OverwriteType = 0 | 1;

export interface PermissionOverwrite {
  id: string;
  type: OverwriteType;
  allow: bigint;
  deny: bigint;
}

/** Everything permission computation needs to know about one member of one guild. */
export interface MemberPermissionContext {
  guildId: string;
  ownerId: string;
  userId: string;
  /** Permission bits of every role in the guild, keyed by role id; the @everyone role's id is the guild id. */
  rolePermissions: ReadonlyMap<string, bigint>;
  /** The member's roles, without @everyone. Ids missing from `rolePermissions` are ignored. */
  memberRoleIds: readonly string[];
}

/**
 * Guild-level permissions, following Discord's documented algorithm: the owner and ADMINISTRATOR get
 * everything, otherwise @everyone OR-ed with every role of the member.
 */
export function computeBasePermissions(ctx: MemberPermissionContext): bigint {
  if (ctx.userId === ctx.ownerId) return ALL_PERMISSIONS;
  let permissions = ctx.rolePermissions.get(ctx.guildId) ?? 0n;
  for (const roleId of ctx.memberRoleIds) {
    permissions |= ctx.rolePermissions.get(roleId) ?? 0n;
  }
  return hasPermission(permissions, PermissionFlags.ADMINISTRATOR) ? ALL_PERMISSIONS : permissions;
}

// Text permissions that Discord treats as denied whenever SEND_MESSAGES is denied.
const REQUIRES_SEND_MESSAGES =
  PermissionFlags.SEND_TTS_MESSAGES |
  PermissionFlags.MENTION_EVERYONE |
  PermissionFlags.EMBED_LINKS |
  PermissionFlags.ATTACH_FILES;

/**
 * Channel-level permissions: base permissions, then the @everyone overwrite, then all role overwrites
 * of the member combined (deny first, then allow), then the member's own overwrite. Losing VIEW_CHANNEL
 * implicitly loses everything, and losing SEND_MESSAGES loses the permissions that depend on it.
 */
export function computeChannelPermissions(
  ctx: MemberPermissionContext,
  overwrites: readonly PermissionOverwrite[],
): bigint {
  const base = computeBasePermissions(ctx);
  if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;

  let permissions = base;
  const everyone = overwrites.find((overwrite) => overwrite.type === 0 && overwrite.id === ctx.guildId);
  if (everyone) {
    permissions &= ~everyone.deny;
    permissions |= everyone.allow;
  }

  const memberRoles = new Set(ctx.memberRoleIds);
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === 0 && memberRoles.has(overwrite.id)) {
      roleAllow |= overwrite.allow;
      roleDeny |= overwrite.deny;
    }
  }
  permissions &= ~roleDeny;
  permissions |= roleAllow;

  const member = overwrites.find((overwrite) => overwrite.type === 1 && overwrite.id === ctx.userId);
  if (member) {
    permissions &= ~member.deny;
    permissions |= member.allow;
  }

  if (!hasPermission(permissions, PermissionFlags.VIEW_CHANNEL)) return 0n;
  if (!hasPermission(permissions, PermissionFlags.SEND_MESSAGES)) permissions &= ~REQUIRES_SEND_MESSAGES;
  return permissions;
}
