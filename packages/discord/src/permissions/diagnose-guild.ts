import { PermissionFlagsBits } from 'discord-api-types/v10';
import {
  computeBasePermissions,
  computeChannelPermissions,
  hasPermission,
  type MemberPermissionInput,
  type PermissionOverwrite,
  type PermissionValue,
} from './permissions';
import { compareRoles, highestRole } from './role-hierarchy';

/** A guild role as Discord's `GET /guilds/{id}/roles` returns it (only the fields diagnostics read). */
export interface DiagnosticRole {
  id: string;
  name: string;
  position: number;
  permissions: PermissionValue;
  managed?: boolean;
}

/** A guild channel as Discord's `GET /guilds/{id}/channels` returns it (only the fields diagnostics read). */
export interface DiagnosticChannel {
  id: string;
  name?: string | null;
  type: number;
  permission_overwrites?: readonly PermissionOverwrite[];
}

/** What {@link diagnoseGuild} looks at: Discord's view of the guild and the merchant's configuration. */
export interface DiagnoseGuildInput {
  guild: { id: string; ownerId: string };
  /** Every role of the guild, @everyone included. */
  roles: readonly DiagnosticRole[];
  /** The bot's member: its user id and role ids. */
  botMember: { userId: string; roles: readonly string[] };
  /** The roles the merchant's offers grant in this guild. */
  offerRoles: readonly { roleId: string; offerName: string }[];
  /** Every channel of the guild. */
  channels: readonly DiagnosticChannel[];
  /** The channels the merchant picked for notifications. */
  channelsToCheck: readonly { id: string; purpose: 'payment' | 'general' }[];
}

/** Machine-readable problem codes; each comes with a fix-it sentence for the merchant. */
export type GuildProblemCode =
  | 'bot_missing_manage_roles'
  | 'bot_missing_create_instant_invite'
  | 'offer_role_missing'
  | 'offer_role_is_everyone'
  | 'offer_role_managed'
  | 'offer_role_above_bot'
  | 'channel_missing'
  | 'channel_not_text'
  | 'channel_missing_view'
  | 'channel_missing_send'
  | 'channel_missing_embed_links';

export interface GuildProblem {
  code: GuildProblemCode;
  /** `error` breaks role sync or notifications; `warning` breaks a secondary flow. */
  severity: 'error' | 'warning';
  /** What is wrong and how the merchant fixes it, naming the roles and channels involved. */
  message: string;
  roleId?: string;
  channelId?: string;
}

export interface GuildDiagnosis {
  /** True when no problem of severity `error` was found. */
  ok: boolean;
  problems: GuildProblem[];
}

// Channel types a bot can post messages in: text, announcement, and the text chat of voice and stage.
const MESSAGE_CHANNEL_TYPES: ReadonlySet<number> = new Set([0, 2, 5, 13]);

const ROLES_SETTINGS = 'Server Settings > Roles';
const CHANNEL_SETTINGS = 'Edit Channel > Permissions';

function quoted(name: string): string {
  return `"${name}"`;
}

function channelLabel(channel: DiagnosticChannel | undefined, id: string): string {
  return channel?.name ? `#${channel.name}` : `channel ${id}`;
}

/**
 * Checks what the bot needs in one guild: Manage Roles, each offer role grantable (exists, not
 * managed, below the bot's highest role), each notification channel visible with Send Messages and
 * Embed Links after overwrites, and Create Instant Invite for adding members through OAuth. Pure: the
 * caller fetches guild, roles, channels and the bot's member from Discord.
 */
export function diagnoseGuild(input: DiagnoseGuildInput): GuildDiagnosis {
  const problems: GuildProblem[] = [];
  const rolesById = new Map(input.roles.map((role) => [role.id, role]));
  const botRoles = input.botMember.roles.flatMap((id) => rolesById.get(id) ?? []);
  const botHighest = highestRole(botRoles);
  const botRoleText = botHighest ? `the bot's role ${quoted(botHighest.name)}` : 'the bot';
  const member: MemberPermissionInput = {
    guildId: input.guild.id,
    ownerId: input.guild.ownerId,
    userId: input.botMember.userId,
    roles: input.roles,
    memberRoleIds: input.botMember.roles,
  };
  const base = computeBasePermissions(member);

  if (!hasPermission(base, PermissionFlagsBits.ManageRoles)) {
    problems.push({
      code: 'bot_missing_manage_roles',
      severity: 'error',
      message: `The bot cannot assign roles: enable "Manage Roles" for ${botRoleText} in ${ROLES_SETTINGS}.`,
    });
  }
  if (!hasPermission(base, PermissionFlagsBits.CreateInstantInvite)) {
    problems.push({
      code: 'bot_missing_create_instant_invite',
      severity: 'warning',
      message:
        `The bot cannot add customers to the server when they link Discord: enable "Create Invite" for ` +
        `${botRoleText} in ${ROLES_SETTINGS}.`,
    });
  }

  for (const offer of input.offerRoles) problems.push(...offerRoleProblems(input, offer, botHighest));

  const channelsById = new Map(input.channels.map((channel) => [channel.id, channel]));
  for (const target of input.channelsToCheck) {
    const channel = channelsById.get(target.id);
    const label = channelLabel(channel, target.id);
    const { purpose } = target;
    if (!channel) {
      problems.push({
        code: 'channel_missing',
        severity: 'error',
        channelId: target.id,
        message: `The ${purpose} notification channel (${target.id}) no longer exists: pick another channel in the guild settings.`,
      });
      continue;
    }
    if (!MESSAGE_CHANNEL_TYPES.has(channel.type)) {
      problems.push({
        code: 'channel_not_text',
        severity: 'error',
        channelId: channel.id,
        message: `${label} cannot hold messages: pick a text channel for ${purpose} notifications.`,
      });
      continue;
    }
    const permissions = computeChannelPermissions(member, channel.permission_overwrites ?? []);
    // Report the first missing permission only: without View Channel or Send Messages, the ones after
    // it are lost implicitly and granting them would not help.
    const missing = (
      [
        ['channel_missing_view', PermissionFlagsBits.ViewChannel, 'View Channel', 'cannot see'],
        ['channel_missing_send', PermissionFlagsBits.SendMessages, 'Send Messages', 'cannot post in'],
        [
          'channel_missing_embed_links',
          PermissionFlagsBits.EmbedLinks,
          'Embed Links',
          'cannot post embeds in',
        ],
      ] as const
    ).find(([, flag]) => !hasPermission(permissions, flag));
    if (missing) {
      const [code, , permissionName, verb] = missing;
      problems.push({
        code,
        severity: 'error',
        channelId: channel.id,
        message: `The bot ${verb} ${label}: allow "${permissionName}" for ${botRoleText} in ${label} (${CHANNEL_SETTINGS}).`,
      });
    }
  }

  return { ok: problems.every((problem) => problem.severity !== 'error'), problems };
}

function offerRoleProblems(
  input: DiagnoseGuildInput,
  offer: { roleId: string; offerName: string },
  botHighest: DiagnosticRole | undefined,
): GuildProblem[] {
  const role = input.roles.find((candidate) => candidate.id === offer.roleId);
  const offerText = `offer ${quoted(offer.offerName)}`;
  if (!role) {
    return [
      {
        code: 'offer_role_missing',
        severity: 'error',
        roleId: offer.roleId,
        message: `The role of ${offerText} (${offer.roleId}) was deleted: choose an existing role for the offer.`,
      },
    ];
  }
  if (role.id === input.guild.id) {
    return [
      {
        code: 'offer_role_is_everyone',
        severity: 'error',
        roleId: role.id,
        message: `${offerText} names @everyone, which every member already has: choose a dedicated role for the offer.`,
      },
    ];
  }
  if (role.managed === true) {
    return [
      {
        code: 'offer_role_managed',
        severity: 'error',
        roleId: role.id,
        message:
          `Role ${quoted(role.name)} of ${offerText} is managed by an integration and cannot be assigned: ` +
          `choose another role for the offer.`,
      },
    ];
  }
  // The owner is above the hierarchy; anyone else can manage only roles strictly below their highest.
  if (input.botMember.userId === input.guild.ownerId) return [];
  if (botHighest !== undefined && compareRoles(botHighest, role) > 0) return [];
  return [
    {
      code: 'offer_role_above_bot',
      severity: 'error',
      roleId: role.id,
      message: botHighest
        ? `Move the bot's role ${quoted(botHighest.name)} above ${quoted(role.name)} in ${ROLES_SETTINGS}.`
        : `Give the bot a role above ${quoted(role.name)} in ${ROLES_SETTINGS}.`,
    },
  ];
}
