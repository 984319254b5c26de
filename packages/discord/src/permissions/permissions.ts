import { PermissionFlagsBits } from 'discord-api-types/v10';

/** Every permission bit Discord defines: what the owner and an Administrator hold. */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** A permission value as Discord sends it (decimal string) or as computed here (bigint). */
export type PermissionValue = string | bigint;

/** A role as permission computation needs it; the @everyone role's id is the guild id. */
export interface PermissionRole {
  id: string;
  permissions: PermissionValue;
}

/** A channel permission overwrite as Discord sends it: type 0 targets a role, 1 a member. */
export interface PermissionOverwrite {
  id: string;
  type: number;
  allow: PermissionValue;
  deny: PermissionValue;
}

/** One member of one guild, as far as permissions are concerned. */
export interface MemberPermissionInput {
  guildId: string;
  ownerId: string;
  userId: string;
  /** Every role of the guild, @everyone included; roles the member lacks are ignored. */
  roles: readonly PermissionRole[];
  /** The member's role ids, without @everyone; ids of deleted roles are ignored. */
  memberRoleIds: readonly string[];
}

const OVERWRITE_ROLE = 0;
const OVERWRITE_MEMBER = 1;

// Text permissions Discord treats as denied whenever SEND_MESSAGES is denied in a channel.
const DEPENDS_ON_SEND_MESSAGES =
  PermissionFlagsBits.SendTTSMessages |
  PermissionFlagsBits.MentionEveryone |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles;

/** Parses Discord's decimal permission string; a malformed value grants nothing. */
export function toPermissionBits(value: PermissionValue): bigint {
  if (typeof value === 'bigint') return value;
  return /^\d+$/.test(value) ? BigInt(value) : 0n;
}

/** Whether `permissions` contains every bit of `flag`. */
export function hasPermission(permissions: bigint, flag: bigint): boolean {
  return (permissions & flag) === flag;
}

/**
 * Guild-level permissions, by Discord's documented algorithm: the owner holds everything; otherwise the
 * @everyone role OR-ed with each of the member's roles, and ADMINISTRATOR turns that into everything.
 */
export function computeBasePermissions(input: MemberPermissionInput): bigint {
  if (input.userId === input.ownerId) return ALL_PERMISSIONS;
  const byId = new Map(input.roles.map((role) => [role.id, toPermissionBits(role.permissions)]));
  let permissions = byId.get(input.guildId) ?? 0n;
  for (const roleId of input.memberRoleIds) permissions |= byId.get(roleId) ?? 0n;
  return hasPermission(permissions, PermissionFlagsBits.Administrator) ? ALL_PERMISSIONS : permissions;
}

/**
 * Permissions in one channel, by Discord's documented algorithm: base permissions (owner and
 * Administrator stop here with everything), then the @everyone overwrite, then the member's role
 * overwrites combined (all denies, then all allows), then the member's own overwrite. Without
 * VIEW_CHANNEL nothing else applies, and without SEND_MESSAGES the permissions that depend on it are lost.
 */
export function computeChannelPermissions(
  input: MemberPermissionInput,
  overwrites: readonly PermissionOverwrite[],
): bigint {
  const base = computeBasePermissions(input);
  if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;

  let permissions = base;
  const everyone = overwrites.find(
    (overwrite) => overwrite.type === OVERWRITE_ROLE && overwrite.id === input.guildId,
  );
  if (everyone) {
    permissions &= ~toPermissionBits(everyone.deny);
    permissions |= toPermissionBits(everyone.allow);
  }

  const memberRoles = new Set(input.memberRoleIds);
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type !== OVERWRITE_ROLE || overwrite.id === input.guildId || !memberRoles.has(overwrite.id))
      continue;
    roleAllow |= toPermissionBits(overwrite.allow);
    roleDeny |= toPermissionBits(overwrite.deny);
  }
  permissions &= ~roleDeny;
  permissions |= roleAllow;

  const member = overwrites.find(
    (overwrite) => overwrite.type === OVERWRITE_MEMBER && overwrite.id === input.userId,
  );
  if (member) {
    permissions &= ~toPermissionBits(member.deny);
    permissions |= toPermissionBits(member.allow);
  }

  if (!hasPermission(permissions, PermissionFlagsBits.ViewChannel)) return 0n;
  if (!hasPermission(permissions, PermissionFlagsBits.SendMessages)) permissions &= ~DEPENDS_ON_SEND_MESSAGES;
  return permissions;
}
