import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { DiscordGuild, GuildHealthProblem, GuildHealthStatus, MemberPresence } from '@inflow/db';
import type { GuildHealthReport } from '@inflow/guild-health';
import { createLogger, type Logger } from '@inflow/service-runtime';
import type { GatewayRepositories, GuildHealthChecker } from '../gateway-events.service';
import type { RoleSyncJobSink, RoleSyncRequest } from '../role-sync-enqueuer';

export const MERCHANT_ID = '0b8f1a56-4a8e-4c5e-9a53-0c1c9d6b1f2e';
export const GUILD_ID = '1098765432109876543';
export const OTHER_GUILD_ID = '1098765432109870001';
export const BOT_USER_ID = '1380000000000000001';
export const LINKED_USER_ID = '412345678901234567';
export const OTHER_LINKED_USER_ID = '412345678901234568';
export const UNLINKED_USER_ID = '412345678901234999';
export const VIP_ROLE_ID = '1198765432109876001';
export const MEMBER_ROLE_ID = '1198765432109876002';

export function guildRow(guildId: string, overrides: Partial<DiscordGuild> = {}): DiscordGuild {
  return {
    guildId,
    merchantId: MERCHANT_ID,
    name: 'Test Community',
    installStatus: 'installed',
    installedAt: new Date('2026-11-01T00:00:00Z'),
    removedAt: null,
    paymentChannelId: null,
    generalChannelId: null,
    inviteUrl: null,
    notifyPaymentSucceeded: true,
    notifyPaymentFailed: true,
    notifySubscriptionCreated: true,
    notifySubscriptionCanceled: true,
    healthStatus: 'healthy',
    healthDetail: [],
    healthCheckedAt: null,
    brokenChannels: {},
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    ...overrides,
  };
}

export interface SeenMember {
  presence: MemberPresence;
  roles: readonly string[] | null;
  seenAt: Date;
}

/** Postgres as the gateway sees it, in memory, with a log of every write in order. */
export class FakeRepositories implements GatewayRepositories {
  readonly guilds = new Map<string, DiscordGuild>();
  readonly members = new Map<string, SeenMember>();
  readonly links = new Set<string>();
  /** Users with a grant in `needs_action`, per guild. */
  readonly needsAction = new Map<string, string[]>();
  readonly writes: string[] = [];
  /** Thrown by the next calls of the named method, one per call, until empty. */
  readonly failures = new Map<string, Error[]>();
  /** When set, awaited inside recordSeen: lets a test hold one write while others arrive. */
  pause: ((what: string) => Promise<void>) | undefined;

  link(guildId: string, userId: string): void {
    this.links.add(`${guildId}:${userId}`);
  }

  member(guildId: string, userId: string): SeenMember | undefined {
    return this.members.get(`${guildId}:${userId}`);
  }

  private maybeFail(method: string): void {
    const error = this.failures.get(method)?.shift();
    if (error !== undefined) throw error;
  }

  readonly discordGuilds: GatewayRepositories['discordGuilds'] = {
    findById: (guildId) => Promise.resolve(this.guilds.get(guildId) ?? null),
    markPresent: (guildId, name, now) => {
      const guild = this.guilds.get(guildId);
      if (guild === undefined) return Promise.resolve(false);
      this.guilds.set(guildId, {
        ...guild,
        name,
        installStatus: 'installed',
        removedAt: null,
        updatedAt: now,
      });
      this.writes.push(`markPresent ${guildId}`);
      return Promise.resolve(true);
    },
    markRemoved: (guildId, now) => {
      const guild = this.guilds.get(guildId);
      if (guild !== undefined)
        this.guilds.set(guildId, { ...guild, installStatus: 'removed', removedAt: now });
      this.writes.push(`markRemoved ${guildId}`);
      return Promise.resolve();
    },
    setHealth: (guildId, status: GuildHealthStatus, problems: GuildHealthProblem[], now) => {
      const guild = this.guilds.get(guildId);
      if (guild !== undefined) {
        this.guilds.set(guildId, {
          ...guild,
          healthStatus: status,
          healthDetail: problems,
          healthCheckedAt: now,
        });
      }
      this.writes.push(`setHealth ${guildId} ${status}`);
      return Promise.resolve();
    },
  };

  readonly discordMembers: GatewayRepositories['discordMembers'] = {
    recordSeen: async (guildId, userId, presence, roles, seenAt) => {
      this.maybeFail('recordSeen');
      await this.pause?.(`recordSeen ${userId} ${presence}`);
      if (!this.guilds.has(guildId)) return false;
      this.members.set(`${guildId}:${userId}`, {
        presence,
        roles: roles === null ? null : [...roles],
        seenAt,
      });
      this.writes.push(`recordSeen ${userId} ${presence}`);
      return true;
    },
  };

  readonly discordLinks: GatewayRepositories['discordLinks'] = {
    isLinkedInGuild: (guildId, userId) => Promise.resolve(this.links.has(`${guildId}:${userId}`)),
  };

  readonly roleGrants: GatewayRepositories['roleGrants'] = {
    markMemberLeft: (guildId, userId) => {
      this.writes.push(`markMemberLeft ${userId}`);
      return Promise.resolve();
    },
    membersInState: (guildId, states, limit) =>
      Promise.resolve(
        states.includes('needs_action') ? (this.needsAction.get(guildId) ?? []).slice(0, limit) : [],
      ),
  };
}

export class RecordingJobSink implements RoleSyncJobSink {
  readonly jobs: RoleSyncRequest[] = [];

  enqueue(requests: readonly RoleSyncRequest[]): Promise<void> {
    this.jobs.push(...requests);
    return Promise.resolve();
  }
}

/** A health checker answering from a script: a report (built from the guild) or an error. */
export class ScriptedHealthChecker implements GuildHealthChecker {
  readonly checked: string[] = [];
  next: (guild: DiscordGuild) => Promise<Partial<GuildHealthReport>> = () => Promise.resolve({});

  async check(guild: DiscordGuild): Promise<GuildHealthReport> {
    this.checked.push(guild.guildId);
    const partial = await this.next(guild);
    return {
      guildId: guild.guildId,
      ok: true,
      problems: [],
      checkedAt: new Date(),
      opened: [],
      recovered: false,
      ...partial,
    };
  }
}

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    service: 'gateway-worker-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/**
 * A dispatch as Discord sends it, with only the fields the service reads: full payload types need
 * dozens of fields that play no part here.
 */
export function dispatch(t: string, d: Record<string, unknown>): GatewayDispatchPayload {
  return { op: 0, s: 1, t, d } as unknown as GatewayDispatchPayload;
}

export function member(guildId: string, userId: string, roles: string[]): Record<string, unknown> {
  return { guild_id: guildId, user: { id: userId, username: `user${userId.slice(-4)}` }, roles };
}
