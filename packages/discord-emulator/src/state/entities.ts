import { type PermissionOverwrite } from '../discord/permissions';

/** Discord channel types the emulator models (https://discord.com/developers/docs/resources/channel). */
export const ChannelType = {
  GUILD_TEXT: 0,
  GUILD_VOICE: 2,
  GUILD_CATEGORY: 4,
  GUILD_ANNOUNCEMENT: 5,
  GUILD_FORUM: 15,
} as const;
export type ChannelTypeValue = (typeof ChannelType)[keyof typeof ChannelType];

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  /** How many guilds this user may be in: 100 for most users, 200 with Nitro. */
  maxGuilds: number;
  email: string | null;
}

export interface RoleRecord {
  id: string;
  name: string;
  position: number;
  permissions: bigint;
  /** Managed roles belong to an integration (e.g. a bot's own role) and cannot be granted or removed. */
  managed: boolean;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  /** For a bot's managed role: the bot's user id (Discord's `tags.bot_id`). */
  botId: string | null;
}

export interface ChannelRecord {
  id: string;
  guildId: string;
  type: ChannelTypeValue;
  name: string;
  position: number;
  parentId: string | null;
  topic: string | null;
  overwrites: PermissionOverwrite[];
}

export interface MemberRecord {
  userId: string;
  /** Role ids in the order they were added, never containing @everyone. */
  roleIds: string[];
  joinedAt: string;
  nick: string | null;
  pending: boolean;
  mute: boolean;
  deaf: boolean;
}

export interface BanRecordEntry {
  userId: string;
  reason: string | null;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, RoleRecord>;
  channels: Map<string, ChannelRecord>;
  members: Map<string, MemberRecord>;
  bans: Map<string, BanRecordEntry>;
}

/** A message as Discord returns it (the subset of fields a bot sees for its own messages). */
export interface ApiMessage {
  id: string;
  type: 0;
  channel_id: string;
  guild_id: string;
  author: ApiUser;
  content: string;
  embeds: Record<string, unknown>[];
  timestamp: string;
  edited_timestamp: null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: [];
  mention_roles: [];
  attachments: [];
  components: [];
  pinned: false;
  flags: number;
  nonce?: string | number;
}

export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: true;
  public_flags: number;
}

export interface ApiRole {
  id: string;
  name: string;
  color: number;
  colors: { primary_color: number; secondary_color: null; tertiary_color: null };
  hoist: boolean;
  icon: null;
  unicode_emoji: null;
  position: number;
  permissions: string;
  managed: boolean;
  mentionable: boolean;
  flags: number;
  tags?: { bot_id: string };
}

export interface ApiOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface ApiChannel {
  id: string;
  type: number;
  guild_id: string;
  name: string;
  position: number;
  parent_id: string | null;
  topic?: string | null;
  nsfw: boolean;
  permission_overwrites: ApiOverwrite[];
  flags: number;
}

export interface ApiMember {
  user: ApiUser;
  nick: string | null;
  avatar: null;
  banner: null;
  roles: string[];
  joined_at: string;
  premium_since: null;
  deaf: boolean;
  mute: boolean;
  flags: number;
  pending: boolean;
  communication_disabled_until: null;
}

export interface ApiGuild {
  id: string;
  name: string;
  icon: null;
  splash: null;
  discovery_splash: null;
  banner: null;
  description: null;
  owner_id: string;
  afk_channel_id: null;
  afk_timeout: number;
  verification_level: number;
  default_message_notifications: number;
  explicit_content_filter: number;
  roles: ApiRole[];
  emojis: [];
  stickers: [];
  features: string[];
  mfa_level: number;
  application_id: null;
  system_channel_id: string | null;
  system_channel_flags: number;
  rules_channel_id: null;
  public_updates_channel_id: null;
  safety_alerts_channel_id: null;
  vanity_url_code: null;
  premium_tier: number;
  premium_subscription_count: number;
  preferred_locale: string;
  nsfw_level: number;
  premium_progress_bar_enabled: boolean;
  max_members: number;
  max_video_channel_users: number;
}
