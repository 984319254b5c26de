import {
  type ApiChannel,
  type ApiGuild,
  type ApiMember,
  type ApiRole,
  type ApiUser,
  type ChannelRecord,
  type GuildRecord,
  type MemberRecord,
  type RoleRecord,
  type UserRecord,
} from './entities';

// Serialisers from the emulator's records to Discord's JSON shapes (snake_case, permissions as strings).

export function toApiUser(user: UserRecord): ApiUser {
  const view: ApiUser = {
    id: user.id,
    username: user.username,
    discriminator: user.bot ? '0000' : '0',
    global_name: user.globalName,
    avatar: null,
    public_flags: 0,
  };
  if (user.bot) view.bot = true;
  return view;
}

export function toApiRole(role: RoleRecord): ApiRole {
  const view: ApiRole = {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: role.hoist,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: role.mentionable,
    flags: 0,
  };
  if (role.botId !== null) view.tags = { bot_id: role.botId };
  return view;
}

export function toApiChannel(channel: ChannelRecord): ApiChannel {
  const view: ApiChannel = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    parent_id: channel.parentId,
    nsfw: false,
    permission_overwrites: channel.overwrites.map((overwrite) => ({
      id: overwrite.id,
      type: overwrite.type,
      allow: overwrite.allow.toString(),
      deny: overwrite.deny.toString(),
    })),
    flags: 0,
  };
  if (channel.type === 0 || channel.type === 5) view.topic = channel.topic;
  return view;
}

export function toApiMember(member: MemberRecord, user: UserRecord): ApiMember {
  return {
    user: toApiUser(user),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roleIds],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: member.deaf,
    mute: member.mute,
    flags: 0,
    pending: member.pending,
    communication_disabled_until: null,
  };
}

/** Roles sorted as Discord lists them: by position, then by id. */
export function sortedRoles(guild: GuildRecord): RoleRecord[] {
  return [...guild.roles.values()].sort((a, b) =>
    a.position !== b.position ? a.position - b.position : BigInt(a.id) < BigInt(b.id) ? -1 : 1,
  );
}

export function toApiGuild(guild: GuildRecord): ApiGuild {
  const firstText = [...guild.channels.values()].find((channel) => channel.type === 0);
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 1,
    default_message_notifications: 1,
    explicit_content_filter: 2,
    roles: sortedRoles(guild).map(toApiRole),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: firstText?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    max_members: 500000,
    max_video_channel_users: 25,
  };
}
