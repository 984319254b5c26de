import { GatewayIntents, type PrivilegedIntents } from '../discord/intents';
import { PermissionFlags, parsePermissions } from '../discord/permission-flags';
import {
  computeBasePermissions,
  computeChannelPermissions,
  type MemberPermissionContext,
  type PermissionOverwrite,
} from '../discord/permissions';
import { highestRole } from '../discord/role-hierarchy';
import { isSnowflake, SnowflakeGenerator } from '../discord/snowflake';
import { OAuthStore } from '../oauth/oauth-store';
import { sortedRoles, toApiChannel, toApiGuild, toApiMember, toApiRole, toApiUser } from './api-views';
import {
  type ApiMember,
  type ApiMessage,
  type ChannelRecord,
  ChannelType,
  type ChannelTypeValue,
  type GuildRecord,
  type MemberRecord,
  type RoleRecord,
  type UserRecord,
} from './entities';

/** Gateway dispatch names the state produces. */
export type DispatchName =
  | 'GUILD_CREATE'
  | 'GUILD_UPDATE'
  | 'GUILD_DELETE'
  | 'GUILD_ROLE_CREATE'
  | 'GUILD_ROLE_UPDATE'
  | 'GUILD_ROLE_DELETE'
  | 'GUILD_MEMBER_ADD'
  | 'GUILD_MEMBER_UPDATE'
  | 'GUILD_MEMBER_REMOVE'
  | 'GUILD_BAN_ADD'
  | 'GUILD_BAN_REMOVE'
  | 'CHANNEL_CREATE'
  | 'CHANNEL_UPDATE';

/** A state change the gateway delivers to the shard owning `guildId`, to sessions with `intent`. */
export interface GuildDispatch {
  guildId: string;
  t: DispatchName;
  d: Record<string, unknown>;
  intent: bigint;
  /** Delivered even without `intent` (Discord sends the bot's own GUILD_MEMBER_UPDATE regardless). */
  ignoreIntent?: boolean;
}

export type DispatchListener = (dispatch: GuildDispatch) => void;

/** A control-API misuse (unknown id, duplicate, invalid value); `status` is what the HTTP control API answers. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Where a freshly installed bot's managed role lands; Discord places it low, so 'bottom' is the strict default. */
export type BotRolePlacement = 'top' | 'bottom';

export interface CreateUserInput {
  id?: string;
  username: string;
  globalName?: string | null;
  /** Guild cap: 100 by default, 200 for Nitro users. */
  maxGuilds?: number;
  email?: string | null;
}

export interface CreateGuildInput {
  id?: string;
  name: string;
  ownerId: string;
  /** Permissions of @everyone; defaults to Discord's usual defaults for a new community guild. */
  everyonePermissions?: string | bigint;
}

export interface CreateRoleInput {
  id?: string;
  name: string;
  /** 1 is just above @everyone; omitted means the bottom, like Discord's Create Guild Role. */
  position?: number;
  permissions?: string | bigint;
  managed?: boolean;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface UpdateRoleInput {
  name?: string;
  position?: number;
  permissions?: string | bigint;
  managed?: boolean;
}

export interface OverwriteInput {
  id: string;
  type: 0 | 1;
  allow?: string | bigint;
  deny?: string | bigint;
}

export interface CreateChannelInput {
  id?: string;
  name: string;
  type?: ChannelTypeValue;
  parentId?: string | null;
  topic?: string | null;
  permissionOverwrites?: OverwriteInput[];
}

export interface UpdateChannelInput {
  name?: string;
  permissionOverwrites?: OverwriteInput[];
}

export interface JoinInput {
  roles?: string[];
  nick?: string | null;
  pending?: boolean;
}

export interface InstallBotInput {
  permissions: string | bigint;
  placement?: BotRolePlacement;
}

/** Ids created by {@link EmulatorState.seedDemo}. */
export interface DemoSeed {
  guildId: string;
  ownerId: string;
  botRoleId: string;
  vipRoleId: string;
  memberRoleId: string;
  paymentsChannelId: string;
  generalChannelId: string;
  /** Regular users: the first two are guild members, the last is not (for join flows). */
  userIds: string[];
  /** The user /oauth2/authorize consents as by default. */
  authorizingUserId: string;
}

export interface EmulatorStateOptions {
  botUserId: string;
  botUsername: string;
  applicationId: string;
  tokenTtlSeconds: number;
  privilegedIntents?: Partial<PrivilegedIntents>;
  now?: () => number;
}

// Discord's defaults for @everyone in a new guild: read, write, embed, attach, react, voice basics.
const DEFAULT_EVERYONE_PERMISSIONS =
  PermissionFlags.CREATE_INSTANT_INVITE |
  PermissionFlags.ADD_REACTIONS |
  PermissionFlags.STREAM |
  PermissionFlags.VIEW_CHANNEL |
  PermissionFlags.SEND_MESSAGES |
  PermissionFlags.EMBED_LINKS |
  PermissionFlags.ATTACH_FILES |
  PermissionFlags.READ_MESSAGE_HISTORY |
  PermissionFlags.MENTION_EVERYONE |
  PermissionFlags.USE_EXTERNAL_EMOJIS |
  PermissionFlags.CONNECT |
  PermissionFlags.SPEAK |
  PermissionFlags.USE_VAD |
  PermissionFlags.CHANGE_NICKNAME |
  PermissionFlags.USE_APPLICATION_COMMANDS |
  PermissionFlags.CREATE_PUBLIC_THREADS |
  PermissionFlags.SEND_MESSAGES_IN_THREADS;

/** Permissions the demo bot gets: what the product's invite link asks for (268454913). */
export const DEMO_BOT_PERMISSIONS =
  PermissionFlags.MANAGE_ROLES |
  PermissionFlags.EMBED_LINKS |
  PermissionFlags.SEND_MESSAGES |
  PermissionFlags.VIEW_CHANNEL |
  PermissionFlags.CREATE_INSTANT_INVITE;

/**
 * The emulated Discord world: users, guilds with roles, channels, members and bans, the bot's
 * installations, messages, OAuth grants and the consent settings of /oauth2/authorize. Every change that
 * Discord would announce on the gateway is published to the dispatch listeners. Synchronous throughout.
 */
export class EmulatorState {
  readonly botUserId: string;
  readonly applicationId: string;
  readonly oauth: OAuthStore;
  readonly ids: SnowflakeGenerator;

  private readonly now: () => number;
  private readonly users = new Map<string, UserRecord>();
  private readonly guilds = new Map<string, GuildRecord>();
  private readonly channelGuild = new Map<string, string>();
  private readonly channelMessages = new Map<string, ApiMessage[]>();
  private readonly listeners = new Set<DispatchListener>();
  private readonly messageListeners = new Set<(message: ApiMessage) => void>();

  private authorizingUser: string;
  private consent: 'allow' | 'deny' = 'allow';
  private defaultInstallGuild: string | null = null;
  private placement: BotRolePlacement = 'bottom';
  private privileged: PrivilegedIntents;

  constructor(options: EmulatorStateOptions) {
    this.now = options.now ?? Date.now;
    this.ids = new SnowflakeGenerator(this.now);
    this.botUserId = options.botUserId;
    this.applicationId = options.applicationId;
    this.oauth = new OAuthStore(this.now, options.tokenTtlSeconds);
    this.privileged = {
      guildMembers: true,
      guildPresences: false,
      messageContent: false,
      ...options.privilegedIntents,
    };
    this.users.set(this.botUserId, {
      id: this.botUserId,
      username: options.botUsername,
      globalName: null,
      bot: true,
      maxGuilds: Number.MAX_SAFE_INTEGER,
      email: null,
    });
    // Someone has to click "Authorize" before any test sets a user, like a logged-in browser would.
    this.authorizingUser = this.createUser({ username: 'emulator.user', globalName: 'Emulator User' }).id;
  }

  // ---- dispatch ------------------------------------------------------------------------------------

  /** Subscribes to gateway-visible changes; returns the unsubscribe function. */
  onDispatch(listener: DispatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to messages posted in any channel (the sandbox narrates them); returns the unsubscribe function. */
  onMessage(listener: (message: ApiMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  private emit(dispatch: GuildDispatch): void {
    const guild = this.guilds.get(dispatch.guildId);
    // The bot hears nothing about guilds it is not in, except being removed from one.
    if (dispatch.t !== 'GUILD_DELETE' && !guild?.members.has(this.botUserId)) return;
    for (const listener of this.listeners) listener(dispatch);
  }

  // ---- reads ----------------------------------------------------------------------------------------

  user(userId: string): UserRecord | undefined {
    return this.users.get(userId);
  }

  guild(guildId: string): GuildRecord | undefined {
    return this.guilds.get(guildId);
  }

  /** Guilds the bot is a member of. */
  botGuilds(): GuildRecord[] {
    return [...this.guilds.values()].filter((guild) => guild.members.has(this.botUserId));
  }

  channel(channelId: string): ChannelRecord | undefined {
    const guildId = this.channelGuild.get(channelId);
    return guildId === undefined ? undefined : this.guilds.get(guildId)?.channels.get(channelId);
  }

  member(guildId: string, userId: string): MemberRecord | undefined {
    return this.guilds.get(guildId)?.members.get(userId);
  }

  /** A member's role ids, or undefined when the user is not in the guild. */
  memberRoles(guildId: string, userId: string): string[] | undefined {
    const member = this.member(guildId, userId);
    return member ? [...member.roleIds] : undefined;
  }

  apiMember(guildId: string, userId: string): ApiMember | undefined {
    const member = this.member(guildId, userId);
    const user = this.users.get(userId);
    return member && user ? toApiMember(member, user) : undefined;
  }

  /** Messages posted to a channel, oldest first (copies). */
  messages(channelId: string): ApiMessage[] {
    return (this.channelMessages.get(channelId) ?? []).map((message) => structuredClone(message));
  }

  /** Number of guilds the user is a member of, for the 30001 guild cap. */
  guildCount(userId: string): number {
    let count = 0;
    for (const guild of this.guilds.values()) if (guild.members.has(userId)) count += 1;
    return count;
  }

  private permissionContext(guild: GuildRecord, userId: string): MemberPermissionContext {
    const rolePermissions = new Map<string, bigint>();
    for (const role of guild.roles.values()) rolePermissions.set(role.id, role.permissions);
    return {
      guildId: guild.id,
      ownerId: guild.ownerId,
      userId,
      rolePermissions,
      memberRoleIds: guild.members.get(userId)?.roleIds ?? [],
    };
  }

  /** Guild-level permissions of a member (0 when not a member). */
  basePermissions(guildId: string, userId: string): bigint {
    const guild = this.requireGuild(guildId);
    if (!guild.members.has(userId)) return 0n;
    return computeBasePermissions(this.permissionContext(guild, userId));
  }

  /** Permissions of a member in a channel, overwrites applied. */
  channelPermissions(channelId: string, userId: string): bigint {
    const channel = this.requireChannel(channelId);
    const guild = this.requireGuild(channel.guildId);
    if (!guild.members.has(userId)) return 0n;
    return computeChannelPermissions(this.permissionContext(guild, userId), channel.overwrites);
  }

  /** The member's highest role (undefined when they only have @everyone). */
  highestRoleOf(guildId: string, userId: string): RoleRecord | undefined {
    const guild = this.requireGuild(guildId);
    const roleIds = guild.members.get(userId)?.roleIds ?? [];
    return highestRole(roleIds.flatMap((id) => guild.roles.get(id) ?? []));
  }

  /** The GUILD_CREATE payload with every member; the gateway drops members a session may not see. */
  guildCreatePayload(guildId: string): Record<string, unknown> {
    const guild = this.requireGuild(guildId);
    const botMember = guild.members.get(this.botUserId);
    const members = [...guild.members.values()].flatMap((member) => {
      const user = this.users.get(member.userId);
      return user ? [toApiMember(member, user)] : [];
    });
    return {
      ...toApiGuild(guild),
      joined_at: botMember?.joinedAt ?? new Date(this.now()).toISOString(),
      large: guild.members.size > 250,
      unavailable: false,
      member_count: guild.members.size,
      members,
      channels: [...guild.channels.values()].map(toApiChannel),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // ---- users ---------------------------------------------------------------------------------------

  createUser(input: CreateUserInput): UserRecord {
    const id = this.newId(input.id, this.users);
    const user: UserRecord = {
      id,
      username: input.username,
      globalName: input.globalName ?? null,
      bot: false,
      maxGuilds: input.maxGuilds ?? 100,
      email: input.email ?? `${input.username.replace(/[^a-z0-9._-]/gi, '')}@users.emulator.invalid`,
    };
    this.users.set(id, user);
    return user;
  }

  updateUser(
    userId: string,
    patch: { username?: string; globalName?: string | null; maxGuilds?: number },
  ): UserRecord {
    const user = this.requireUser(userId);
    if (patch.username !== undefined) user.username = patch.username;
    if (patch.globalName !== undefined) user.globalName = patch.globalName;
    if (patch.maxGuilds !== undefined) {
      if (!Number.isInteger(patch.maxGuilds) || patch.maxGuilds < 1)
        throw new ControlError('maxGuilds must be ≥ 1');
      user.maxGuilds = patch.maxGuilds;
    }
    return user;
  }

  // ---- guilds --------------------------------------------------------------------------------------

  /** Creates a guild owned by `ownerId` (who becomes its first member). The bot is not in it yet. */
  createGuild(input: CreateGuildInput): GuildRecord {
    this.requireUser(input.ownerId);
    const id = this.newId(input.id, this.guilds);
    const everyone: RoleRecord = {
      id,
      name: '@everyone',
      position: 0,
      permissions: this.permissions(input.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS),
      managed: false,
      color: 0,
      hoist: false,
      mentionable: false,
      botId: null,
    };
    const guild: GuildRecord = {
      id,
      name: input.name,
      ownerId: input.ownerId,
      roles: new Map([[id, everyone]]),
      channels: new Map(),
      members: new Map(),
      bans: new Map(),
    };
    guild.members.set(input.ownerId, this.newMember(input.ownerId, []));
    this.guilds.set(id, guild);
    return guild;
  }

  updateGuild(guildId: string, patch: { name?: string; ownerId?: string }): GuildRecord {
    const guild = this.requireGuild(guildId);
    if (patch.ownerId !== undefined) {
      this.requireUser(patch.ownerId);
      if (!guild.members.has(patch.ownerId))
        throw new ControlError('the new owner must be a member of the guild');
      guild.ownerId = patch.ownerId;
    }
    if (patch.name !== undefined) guild.name = patch.name;
    this.emit({ guildId, t: 'GUILD_UPDATE', d: { ...toApiGuild(guild) }, intent: GatewayIntents.GUILDS });
    return guild;
  }

  /**
   * Adds the bot to a guild, as a completed bot authorization does: a managed role named after the bot
   * carrying `permissions` (none when 0), then GUILD_CREATE. Re-installing updates the role's permissions.
   */
  installBot(guildId: string, input: InstallBotInput): RoleRecord | undefined {
    const guild = this.requireGuild(guildId);
    const permissions = this.permissions(input.permissions);
    const existing = this.botRole(guild);
    if (guild.members.has(this.botUserId)) {
      if (existing) this.updateRole(guildId, existing.id, { permissions });
      return existing;
    }
    let role: RoleRecord | undefined;
    if (permissions !== 0n) {
      const placement = input.placement ?? this.placement;
      const position = placement === 'top' ? guild.roles.size : 1;
      // The bot is not a member yet, so shifted roles need no announcement: GUILD_CREATE carries them.
      role = this.insertRole(guild, {
        name: this.requireUser(this.botUserId).username,
        position,
        permissions,
        managed: true,
        botId: this.botUserId,
      }).role;
    }
    guild.members.set(this.botUserId, this.newMember(this.botUserId, role ? [role.id] : []));
    this.emit({
      guildId,
      t: 'GUILD_CREATE',
      d: this.guildCreatePayload(guildId),
      intent: GatewayIntents.GUILDS,
    });
    return role;
  }

  /** The bot is kicked (or the app removed): its managed role goes, and the bot gets GUILD_DELETE without `unavailable`. */
  removeBot(guildId: string): void {
    const guild = this.requireGuild(guildId);
    if (!guild.members.has(this.botUserId)) throw new ControlError(`the bot is not in guild ${guildId}`, 409);
    const role = this.botRole(guild);
    guild.members.delete(this.botUserId);
    if (role) {
      guild.roles.delete(role.id);
      for (const member of guild.members.values())
        member.roleIds = member.roleIds.filter((id) => id !== role.id);
    }
    this.emit({ guildId, t: 'GUILD_DELETE', d: { id: guildId }, intent: GatewayIntents.GUILDS });
  }

  /** Moves the bot's highest role to `position` (1 = just above @everyone), reordering the others. */
  moveBotRole(guildId: string, position: number): RoleRecord {
    const role = this.highestRoleOf(guildId, this.botUserId);
    if (!role) throw new ControlError(`the bot has no role in guild ${guildId}`, 409);
    this.updateRole(guildId, role.id, { position });
    return role;
  }

  /** Sets the permissions of the bot's managed role (creating it at the bottom if the bot has none). */
  setBotPermissions(guildId: string, permissions: string | bigint): RoleRecord {
    const guild = this.requireGuild(guildId);
    if (!guild.members.has(this.botUserId)) throw new ControlError(`the bot is not in guild ${guildId}`, 409);
    const existing = this.botRole(guild);
    if (existing) return this.updateRole(guildId, existing.id, { permissions });
    const { role, shifted } = this.insertRole(guild, {
      name: this.requireUser(this.botUserId).username,
      position: 1,
      permissions: this.permissions(permissions),
      managed: true,
      botId: this.botUserId,
    });
    this.announceRoles(guildId, role, shifted);
    this.applyMemberRoles(guildId, this.botUserId, [
      ...(guild.members.get(this.botUserId)?.roleIds ?? []),
      role.id,
    ]);
    return role;
  }

  private botRole(guild: GuildRecord): RoleRecord | undefined {
    return [...guild.roles.values()].find((role) => role.managed && role.botId === this.botUserId);
  }

  // ---- roles ---------------------------------------------------------------------------------------

  createRole(guildId: string, input: CreateRoleInput): RoleRecord {
    const guild = this.requireGuild(guildId);
    const { role, shifted } = this.insertRole(guild, {
      ...(input.id === undefined ? {} : { id: input.id }),
      name: input.name,
      position: input.position ?? 1,
      permissions: this.permissions(input.permissions ?? 0n),
      managed: input.managed ?? false,
      color: input.color ?? 0,
      hoist: input.hoist ?? false,
      mentionable: input.mentionable ?? false,
    });
    this.announceRoles(guildId, role, shifted);
    return role;
  }

  updateRole(guildId: string, roleId: string, patch: UpdateRoleInput): RoleRecord {
    const guild = this.requireGuild(guildId);
    const role = this.requireRole(guild, roleId);
    const changed = new Set<RoleRecord>();
    if (patch.name !== undefined) role.name = patch.name;
    if (patch.permissions !== undefined) role.permissions = this.permissions(patch.permissions);
    if (patch.managed !== undefined) role.managed = patch.managed;
    if (patch.name !== undefined || patch.permissions !== undefined || patch.managed !== undefined)
      changed.add(role);
    if (patch.position !== undefined) {
      if (role.id === guild.id) throw new ControlError('@everyone always has position 0');
      for (const moved of this.reorder(guild, role, patch.position)) changed.add(moved);
    }
    for (const updated of changed) {
      this.emit({
        guildId,
        t: 'GUILD_ROLE_UPDATE',
        d: { guild_id: guildId, role: toApiRole(updated) },
        intent: GatewayIntents.GUILDS,
      });
    }
    return role;
  }

  /** Deletes a role: it disappears from every member (no member update is sent, as on Discord). */
  deleteRole(guildId: string, roleId: string): void {
    const guild = this.requireGuild(guildId);
    const role = this.requireRole(guild, roleId);
    if (role.id === guild.id) throw new ControlError('@everyone cannot be deleted');
    guild.roles.delete(roleId);
    for (const member of guild.members.values())
      member.roleIds = member.roleIds.filter((id) => id !== roleId);
    // Positions above the deleted role keep their numbers (Discord leaves the gap until the next reorder).
    this.emit({
      guildId,
      t: 'GUILD_ROLE_DELETE',
      d: { guild_id: guildId, role_id: roleId },
      intent: GatewayIntents.GUILDS,
    });
  }

  /** Creates a role at `position`; returns it and the other roles whose position shifted. */
  private insertRole(
    guild: GuildRecord,
    input: Partial<RoleRecord> & { name: string; position: number; permissions: bigint },
  ): { role: RoleRecord; shifted: RoleRecord[] } {
    const role: RoleRecord = {
      id: this.newId(input.id, guild.roles),
      name: input.name,
      position: 0,
      permissions: input.permissions,
      managed: input.managed ?? false,
      color: input.color ?? 0,
      hoist: input.hoist ?? false,
      mentionable: input.mentionable ?? false,
      botId: input.botId ?? null,
    };
    guild.roles.set(role.id, role);
    const shifted = this.reorder(guild, role, input.position).filter((moved) => moved !== role);
    return { role, shifted };
  }

  private announceRoles(guildId: string, created: RoleRecord, shifted: RoleRecord[]): void {
    this.emit({
      guildId,
      t: 'GUILD_ROLE_CREATE',
      d: { guild_id: guildId, role: toApiRole(created) },
      intent: GatewayIntents.GUILDS,
    });
    for (const role of shifted) {
      this.emit({
        guildId,
        t: 'GUILD_ROLE_UPDATE',
        d: { guild_id: guildId, role: toApiRole(role) },
        intent: GatewayIntents.GUILDS,
      });
    }
  }

  // Discord keeps non-@everyone roles at positions 1..n; moving one shifts the roles in between.
  private reorder(guild: GuildRecord, role: RoleRecord, position: number): RoleRecord[] {
    if (!Number.isInteger(position) || position < 1)
      throw new ControlError('role position must be an integer ≥ 1');
    const others = sortedRoles(guild).filter((other) => other.id !== guild.id && other.id !== role.id);
    const index = Math.min(position - 1, others.length);
    others.splice(index, 0, role);
    const changed: RoleRecord[] = [];
    others.forEach((other, i) => {
      if (other.position !== i + 1) {
        other.position = i + 1;
        changed.push(other);
      }
    });
    return changed;
  }

  // ---- channels ------------------------------------------------------------------------------------

  createChannel(guildId: string, input: CreateChannelInput): ChannelRecord {
    const guild = this.requireGuild(guildId);
    const id = this.newId(input.id, this.channelGuild);
    const channel: ChannelRecord = {
      id,
      guildId,
      type: input.type ?? ChannelType.GUILD_TEXT,
      name: input.name,
      position: guild.channels.size,
      parentId: input.parentId ?? null,
      topic: input.topic ?? null,
      overwrites: this.overwrites(guild, input.permissionOverwrites ?? []),
    };
    if (
      channel.parentId !== null &&
      guild.channels.get(channel.parentId)?.type !== ChannelType.GUILD_CATEGORY
    ) {
      throw new ControlError(`parent ${channel.parentId} is not a category of guild ${guildId}`);
    }
    guild.channels.set(id, channel);
    this.channelGuild.set(id, guildId);
    this.emit({
      guildId,
      t: 'CHANNEL_CREATE',
      d: { ...toApiChannel(channel) },
      intent: GatewayIntents.GUILDS,
    });
    return channel;
  }

  updateChannel(channelId: string, patch: UpdateChannelInput): ChannelRecord {
    const channel = this.requireChannel(channelId);
    const guild = this.requireGuild(channel.guildId);
    if (patch.name !== undefined) channel.name = patch.name;
    if (patch.permissionOverwrites !== undefined)
      channel.overwrites = this.overwrites(guild, patch.permissionOverwrites);
    this.emit({
      guildId: guild.id,
      t: 'CHANNEL_UPDATE',
      d: { ...toApiChannel(channel) },
      intent: GatewayIntents.GUILDS,
    });
    return channel;
  }

  private overwrites(guild: GuildRecord, inputs: OverwriteInput[]): PermissionOverwrite[] {
    return inputs.map((input) => {
      if (input.type === 0 && !guild.roles.has(input.id))
        throw new ControlError(`unknown role ${input.id} in overwrite`);
      if (input.type === 1 && !this.users.has(input.id))
        throw new ControlError(`unknown user ${input.id} in overwrite`);
      return {
        id: input.id,
        type: input.type,
        allow: this.permissions(input.allow ?? 0n),
        deny: this.permissions(input.deny ?? 0n),
      };
    });
  }

  /** Stores a message the bot posted (the REST layer builds it). */
  recordMessage(message: ApiMessage): void {
    let list = this.channelMessages.get(message.channel_id);
    if (!list) {
      list = [];
      this.channelMessages.set(message.channel_id, list);
    }
    list.push(message);
    for (const listener of this.messageListeners) listener(message);
  }

  // ---- members -------------------------------------------------------------------------------------

  /** A user joins by themselves (invite link): GUILD_MEMBER_ADD. */
  joinGuild(guildId: string, userId: string, input: JoinInput = {}): MemberRecord {
    const guild = this.requireGuild(guildId);
    this.requireUser(userId);
    if (guild.members.has(userId))
      throw new ControlError(`user ${userId} is already in guild ${guildId}`, 409);
    if (guild.bans.has(userId)) throw new ControlError(`user ${userId} is banned from guild ${guildId}`, 409);
    for (const roleId of input.roles ?? []) this.requireRole(guild, roleId);
    return this.addMember(guildId, userId, input.roles ?? [], {
      nick: input.nick ?? null,
      pending: input.pending ?? false,
    });
  }

  /** Adds a member record and announces it; callers have done the checks. */
  addMember(
    guildId: string,
    userId: string,
    roleIds: string[],
    extra: { nick?: string | null; pending?: boolean; mute?: boolean; deaf?: boolean } = {},
  ): MemberRecord {
    const guild = this.requireGuild(guildId);
    const member = this.newMember(userId, [...new Set(roleIds.filter((id) => id !== guildId))]);
    member.nick = extra.nick ?? null;
    member.pending = extra.pending ?? false;
    member.mute = extra.mute ?? false;
    member.deaf = extra.deaf ?? false;
    guild.members.set(userId, member);
    this.emit({
      guildId,
      t: 'GUILD_MEMBER_ADD',
      d: { ...this.memberView(member), guild_id: guildId },
      intent: GatewayIntents.GUILD_MEMBERS,
    });
    return member;
  }

  /** A member leaves (or is kicked): GUILD_MEMBER_REMOVE. */
  leaveGuild(guildId: string, userId: string): void {
    const guild = this.requireGuild(guildId);
    if (userId === this.botUserId) throw new ControlError('use removeBot to take the bot out of a guild');
    if (userId === guild.ownerId) throw new ControlError('the owner cannot leave their guild');
    if (!guild.members.delete(userId))
      throw new ControlError(`user ${userId} is not in guild ${guildId}`, 404);
    this.emit({
      guildId,
      t: 'GUILD_MEMBER_REMOVE',
      d: { guild_id: guildId, user: toApiUser(this.requireUser(userId)) },
      intent: GatewayIntents.GUILD_MEMBERS,
    });
  }

  /** A moderator sets a member's roles directly (any role, hierarchy not applied): GUILD_MEMBER_UPDATE. */
  setMemberRoles(guildId: string, userId: string, roleIds: string[]): MemberRecord {
    const guild = this.requireGuild(guildId);
    for (const roleId of roleIds) this.requireRole(guild, roleId);
    if (!guild.members.has(userId)) throw new ControlError(`user ${userId} is not in guild ${guildId}`, 404);
    this.applyMemberRoles(guildId, userId, roleIds);
    return this.requireMember(guild, userId);
  }

  /** Replaces a member's roles; announces GUILD_MEMBER_UPDATE only when something changed. Returns whether it did. */
  applyMemberRoles(guildId: string, userId: string, roleIds: string[]): boolean {
    const guild = this.requireGuild(guildId);
    const member = this.requireMember(guild, userId);
    const next = [...new Set(roleIds.filter((id) => id !== guildId))];
    const same = next.length === member.roleIds.length && next.every((id) => member.roleIds.includes(id));
    if (same) return false;
    member.roleIds = next;
    this.emit({
      guildId,
      t: 'GUILD_MEMBER_UPDATE',
      d: { ...this.memberView(member), guild_id: guildId },
      intent: GatewayIntents.GUILD_MEMBERS,
      ignoreIntent: userId === this.botUserId,
    });
    return true;
  }

  ban(guildId: string, userId: string, reason: string | null = null): void {
    const guild = this.requireGuild(guildId);
    const user = this.requireUser(userId);
    if (userId === guild.ownerId || userId === this.botUserId)
      throw new ControlError('cannot ban the owner or the bot');
    if (guild.members.has(userId)) this.leaveGuild(guildId, userId);
    guild.bans.set(userId, { userId, reason });
    this.emit({
      guildId,
      t: 'GUILD_BAN_ADD',
      d: { guild_id: guildId, user: toApiUser(user) },
      intent: GatewayIntents.GUILD_MODERATION,
    });
  }

  unban(guildId: string, userId: string): void {
    const guild = this.requireGuild(guildId);
    const user = this.requireUser(userId);
    if (!guild.bans.delete(userId))
      throw new ControlError(`user ${userId} is not banned from guild ${guildId}`, 404);
    this.emit({
      guildId,
      t: 'GUILD_BAN_REMOVE',
      d: { guild_id: guildId, user: toApiUser(user) },
      intent: GatewayIntents.GUILD_MODERATION,
    });
  }

  private memberView(member: MemberRecord): Record<string, unknown> {
    return { ...toApiMember(member, this.requireUser(member.userId)) };
  }

  private newMember(userId: string, roleIds: string[]): MemberRecord {
    return {
      userId,
      roleIds,
      joinedAt: new Date(this.now()).toISOString(),
      nick: null,
      pending: false,
      mute: false,
      deaf: false,
    };
  }

  // ---- application settings ----------------------------------------------------------------------

  /** Privileged intents the application is granted (the developer-portal switches). */
  get privilegedIntents(): PrivilegedIntents {
    return { ...this.privileged };
  }

  /** Grants or withdraws privileged intents; applies to the next IDENTIFY (4014 when withdrawn). */
  setPrivilegedIntents(patch: Partial<PrivilegedIntents>): void {
    this.privileged = { ...this.privileged, ...patch };
  }

  // ---- OAuth consent -------------------------------------------------------------------------------

  get authorizingUserId(): string {
    return this.authorizingUser;
  }

  /** The user who "clicks Authorize" on /oauth2/authorize. */
  setAuthorizingUser(userId: string): void {
    this.requireUser(userId);
    this.authorizingUser = userId;
  }

  get consentDecision(): 'allow' | 'deny' {
    return this.consent;
  }

  /** Whether /oauth2/authorize consents or redirects with `error=access_denied`. */
  setConsent(decision: 'allow' | 'deny'): void {
    this.consent = decision;
  }

  get defaultInstallGuildId(): string | null {
    return this.defaultInstallGuild;
  }

  /** The guild a bot authorization picks when the URL has no `guild_id` (the user's choice in the guild picker). */
  setDefaultInstallGuild(guildId: string | null): void {
    if (guildId !== null) this.requireGuild(guildId);
    this.defaultInstallGuild = guildId;
  }

  get botRolePlacement(): BotRolePlacement {
    return this.placement;
  }

  setBotRolePlacement(placement: BotRolePlacement): void {
    this.placement = placement;
  }

  /** The user deauthorized the application in their settings: all their tokens stop working. */
  revokeUserTokens(userId: string): number {
    this.requireUser(userId);
    return this.oauth.revokeUser(userId);
  }

  /** Makes the user's access tokens expired now (refresh tokens still work). */
  expireUserTokens(userId: string): number {
    this.requireUser(userId);
    return this.oauth.expireUser(userId);
  }

  // ---- seed ----------------------------------------------------------------------------------------

  /**
   * A realistic guild: owned by the authorizing user, the bot installed with the product's permissions and
   * its role above "VIP" and "Member", #payments and #general, and three more users (two members, one not).
   */
  seedDemo(): DemoSeed {
    const ownerId = this.authorizingUser;
    const guild = this.createGuild({ name: 'Inflow Demo Community', ownerId });
    const memberRole = this.createRole(guild.id, { name: 'Member', position: 1, color: 0x95a5a6 });
    const vipRole = this.createRole(guild.id, { name: 'VIP', position: 2, color: 0xf1c40f, hoist: true });
    const botRole = this.installBot(guild.id, { permissions: DEMO_BOT_PERMISSIONS, placement: 'top' });
    if (!botRole) throw new Error('installing the demo bot created no role');
    const general = this.createChannel(guild.id, { name: 'general', topic: 'Say hi' });
    const payments = this.createChannel(guild.id, {
      name: 'payments',
      topic: 'Payment and subscription notifications',
      // Members read it, only the bot (via its role) posts.
      permissionOverwrites: [
        { id: guild.id, type: 0, deny: PermissionFlags.SEND_MESSAGES },
        { id: botRole.id, type: 0, allow: PermissionFlags.SEND_MESSAGES | PermissionFlags.EMBED_LINKS },
      ],
    });
    const alice = this.createUser({ username: 'alice', globalName: 'Alice' });
    const bob = this.createUser({ username: 'bob', globalName: 'Bob' });
    const carol = this.createUser({ username: 'carol', globalName: 'Carol' });
    this.joinGuild(guild.id, alice.id, { roles: [memberRole.id] });
    this.joinGuild(guild.id, bob.id);
    this.setDefaultInstallGuild(this.defaultInstallGuild ?? guild.id);
    return {
      guildId: guild.id,
      ownerId,
      botRoleId: botRole.id,
      vipRoleId: vipRole.id,
      memberRoleId: memberRole.id,
      paymentsChannelId: payments.id,
      generalChannelId: general.id,
      userIds: [alice.id, bob.id, carol.id],
      authorizingUserId: this.authorizingUser,
    };
  }

  // ---- helpers -------------------------------------------------------------------------------------

  requireUser(userId: string): UserRecord {
    const user = this.users.get(userId);
    if (!user) throw new ControlError(`unknown user ${userId}`, 404);
    return user;
  }

  requireGuild(guildId: string): GuildRecord {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new ControlError(`unknown guild ${guildId}`, 404);
    return guild;
  }

  requireChannel(channelId: string): ChannelRecord {
    const channel = this.channel(channelId);
    if (!channel) throw new ControlError(`unknown channel ${channelId}`, 404);
    return channel;
  }

  private requireRole(guild: GuildRecord, roleId: string): RoleRecord {
    const role = guild.roles.get(roleId);
    if (!role) throw new ControlError(`unknown role ${roleId} in guild ${guild.id}`, 404);
    return role;
  }

  private requireMember(guild: GuildRecord, userId: string): MemberRecord {
    const member = guild.members.get(userId);
    if (!member) throw new ControlError(`user ${userId} is not in guild ${guild.id}`, 404);
    return member;
  }

  private permissions(value: string | bigint | number): bigint {
    try {
      return parsePermissions(value);
    } catch (error) {
      throw new ControlError(error instanceof Error ? error.message : String(error));
    }
  }

  private newId(requested: string | undefined, taken: ReadonlyMap<string, unknown>): string {
    if (requested === undefined) return this.ids.next();
    if (!isSnowflake(requested)) throw new ControlError(`"${requested}" is not a snowflake`);
    if (taken.has(requested)) throw new ControlError(`id ${requested} is already used`, 409);
    return requested;
  }
}
