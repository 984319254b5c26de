import { setTimeout as sleep } from 'node:timers/promises';
import {
  GatewayDispatchEvents,
  type APIGuildMember,
  type GatewayDispatchPayload,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import type { DiscordGuild, GuildHealthProblem, Repositories } from '@inflow/db';
import { DiscordRequestError } from '@inflow/discord';
import type { GuildHealthReport } from '@inflow/guild-health';
import type { Logger } from '@inflow/service-runtime';
import type { GatewayMetrics } from './gateway-metrics';
import type { RoleSyncJobSink, RoleSyncRequest } from './role-sync-enqueuer';

/** The repository methods the gateway needs; the real repositories satisfy it, tests pass fakes. */
export interface GatewayRepositories {
  discordGuilds: Pick<
    Repositories['discordGuilds'],
    'findById' | 'markPresent' | 'markRemoved' | 'setHealth'
  >;
  discordMembers: Pick<Repositories['discordMembers'], 'recordSeen'>;
  discordLinks: Pick<Repositories['discordLinks'], 'isLinkedInGuild'>;
  roleGrants: Pick<Repositories['roleGrants'], 'markMemberLeft' | 'membersInState'>;
}

/** Reads a guild through the bot, diagnoses it, stores its health and alerts (GuildHealthService). */
export interface GuildHealthChecker {
  check(guild: DiscordGuild): Promise<GuildHealthReport>;
}

/** Options of {@link GatewayEventsService}. */
export interface GatewayEventsOptions {
  logger: Logger;
  metrics: Pick<GatewayMetrics, 'eventFailures' | 'healthChecks'>;
  /**
   * How long role and bot changes in one guild are gathered into one health check (four REST reads),
   * counted from the first change. Default 2000 ms.
   */
  healthDebounceMs?: number;
  /** Wait before checking again when Discord could not answer a health check (5xx, network, 429). Default 30 000 ms. */
  healthRetryMs?: number;
  /** Checks again at most this many times in a row after such failures. Default 3. */
  healthRetries?: number;
  /** Most members re-synced when a guild recovers; the drift sweep covers any beyond. Default 10 000. */
  resyncLimit?: number;
  /** Tries per event before it is given up (logged and counted; the drift sweep revisits members with managed roles). Default 3. */
  eventAttempts?: number;
  /** Wait before the second try of an event, doubled for each further one. Default 200 ms. */
  eventRetryMs?: number;
}

interface HealthCheckState {
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  /** A change arrived while the check was reading Discord, so what it read may be stale. */
  changedWhileRunning: boolean;
  failures: number;
}

/** The dispatches handled in the guild queues (READY is taken on arrival); others are only counted. */
const HANDLED_EVENTS = [
  GatewayDispatchEvents.GuildCreate,
  GatewayDispatchEvents.GuildDelete,
  GatewayDispatchEvents.GuildMemberAdd,
  GatewayDispatchEvents.GuildMemberUpdate,
  GatewayDispatchEvents.GuildMemberRemove,
  GatewayDispatchEvents.GuildRoleCreate,
  GatewayDispatchEvents.GuildRoleUpdate,
  GatewayDispatchEvents.GuildRoleDelete,
] as const;

type HandledDispatch = Extract<GatewayDispatchPayload, { t: (typeof HANDLED_EVENTS)[number] }>;

function isHandled(payload: GatewayDispatchPayload): payload is HandledDispatch {
  return (HANDLED_EVENTS as readonly string[]).includes(payload.t);
}

type MemberPayload = Pick<APIGuildMember, 'roles'> & { user: { id: string }; guild_id: string };

/**
 * Turns gateway dispatches into installation state, member observations and role-sync jobs; never
 * changes a member's roles itself (the role-sync worker is the only writer).
 *
 * Events of one guild are handled one after another in arrival order, so a member's update and
 * removal cannot overtake each other; guilds proceed independently. Every handler is idempotent
 * (Discord repeats GUILD_MEMBER_ADD, and a resumed session replays events), so an event that fails is
 * simply tried again.
 */
export class GatewayEventsService {
  private readonly logger: Logger;
  private readonly metrics: GatewayEventsOptions['metrics'];
  private readonly healthDebounceMs: number;
  private readonly healthRetryMs: number;
  private readonly healthRetries: number;
  private readonly resyncLimit: number;
  private readonly eventAttempts: number;
  private readonly eventRetryMs: number;

  private botUserId: string | undefined;
  private closed = false;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly healthChecks = new Map<string, HealthCheckState>();

  constructor(
    private readonly repositories: GatewayRepositories,
    private readonly jobs: RoleSyncJobSink,
    private readonly health: GuildHealthChecker,
    private readonly clock: () => Date,
    options: GatewayEventsOptions,
  ) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.healthDebounceMs = nonNegative('healthDebounceMs', options.healthDebounceMs ?? 2_000);
    this.healthRetryMs = nonNegative('healthRetryMs', options.healthRetryMs ?? 30_000);
    this.healthRetries = count('healthRetries', options.healthRetries ?? 3);
    this.resyncLimit = positive('resyncLimit', options.resyncLimit ?? 10_000);
    this.eventAttempts = positive('eventAttempts', options.eventAttempts ?? 3);
    this.eventRetryMs = nonNegative('eventRetryMs', options.eventRetryMs ?? 200);
  }

  /**
   * Takes one dispatch. The returned promise settles once it was handled (or given up, which is
   * logged); it never rejects, so the gateway connection may drop it.
   */
  accept(payload: GatewayDispatchPayload): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Taken at once rather than in a queue: every later event of any guild needs to know the bot.
    if (payload.t === GatewayDispatchEvents.Ready) {
      this.botUserId = payload.d.user.id;
      return Promise.resolve();
    }
    if (!isHandled(payload)) return Promise.resolve();
    // Stamped on arrival: recordSeen keeps the newest observation by this time.
    const receivedAt = this.clock();
    const key = guildIdOf(payload);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.handleWithRetries(payload, receivedAt));
    this.queues.set(key, next);
    void next.then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
    return next;
  }

  /** Stops taking events, cancels health checks not yet started, and waits for the work in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.healthChecks.values()) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    await Promise.all([
      ...this.queues.values(),
      ...[...this.healthChecks.values()].map((state) => state.running),
    ]);
  }

  private async handleWithRetries(payload: HandledDispatch, receivedAt: Date): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle(payload, receivedAt);
        return;
      } catch (error) {
        const context = { err: error, event: payload.t, guildId: guildIdOf(payload), attempt };
        if (attempt >= this.eventAttempts || this.closed) {
          this.metrics.eventFailures.inc({ type: payload.t });
          this.logger.error(context, 'gateway event could not be handled; giving it up');
          return;
        }
        this.logger.warn(context, 'gateway event failed; trying again');
        await sleep(this.eventRetryMs * 2 ** (attempt - 1));
      }
    }
  }

  private async handle(payload: HandledDispatch, now: Date): Promise<void> {
    switch (payload.t) {
      case GatewayDispatchEvents.GuildCreate:
        return this.guildAvailable(payload.d, now);
      case GatewayDispatchEvents.GuildDelete:
        // `unavailable` is an outage: the bot is still in the guild and GUILD_CREATE follows recovery.
        if (payload.d.unavailable === true) return;
        this.cancelHealthCheck(payload.d.id);
        await this.repositories.discordGuilds.markRemoved(payload.d.id, now);
        this.logger.info({ guildId: payload.d.id }, 'bot removed from guild');
        return;
      case GatewayDispatchEvents.GuildMemberAdd:
        return this.memberSeen(payload.d, 'member-join', now);
      case GatewayDispatchEvents.GuildMemberUpdate:
        return this.memberSeen(payload.d, 'member-update', now);
      case GatewayDispatchEvents.GuildMemberRemove:
        return this.memberLeft(payload.d.guild_id, payload.d.user.id, now);
      case GatewayDispatchEvents.GuildRoleCreate:
      case GatewayDispatchEvents.GuildRoleUpdate:
      case GatewayDispatchEvents.GuildRoleDelete:
        this.scheduleHealthCheck(payload.d.guild_id);
        return;
    }
  }

  private async guildAvailable(guild: GatewayGuildCreateDispatchData, now: Date): Promise<void> {
    if (guild.unavailable === true) return;
    const known = await this.repositories.discordGuilds.markPresent(guild.id, guild.name, now);
    if (!known) {
      // A guild becomes a merchant's only through the install flow, which binds it first.
      this.logger.debug({ guildId: guild.id }, 'guild not bound to a merchant; ignored');
      return;
    }
    // While the bot was disconnected members may have joined or had roles changed. The payload lists
    // members only for guilds up to the identify's large_threshold; in larger ones the drift sweep
    // revisits the members that have managed roles.
    const requests: RoleSyncRequest[] = [];
    for (const member of guild.members ?? []) {
      const userId = member.user.id;
      if (userId === this.botUserId) continue;
      if (!(await this.repositories.discordLinks.isLinkedInGuild(guild.id, userId))) continue;
      await this.repositories.discordMembers.recordSeen(guild.id, userId, 'member', member.roles, now);
      requests.push({ guildId: guild.id, userId, reason: 'drift' });
    }
    await this.jobs.enqueue(requests);
    this.logger.info({ guildId: guild.id, linkedMembers: requests.length }, 'guild available');
    this.scheduleHealthCheck(guild.id);
  }

  private async memberSeen(
    member: MemberPayload,
    reason: 'member-join' | 'member-update',
    now: Date,
  ): Promise<void> {
    const guildId = member.guild_id;
    const userId = member.user.id;
    if (userId === this.botUserId) {
      // The bot's own roles decide which roles it may assign.
      this.scheduleHealthCheck(guildId);
      return;
    }
    const known = await this.repositories.discordMembers.recordSeen(
      guildId,
      userId,
      'member',
      member.roles,
      now,
    );
    if (!known) return;
    if (!(await this.repositories.discordLinks.isLinkedInGuild(guildId, userId))) return;
    // The sync compares the roles just recorded with what the member's subscriptions grant: a paid role
    // a moderator removed is granted again, and a join gets its roles.
    await this.jobs.enqueue([{ guildId, userId, reason }]);
  }

  private async memberLeft(guildId: string, userId: string, now: Date): Promise<void> {
    // The bot's own removal arrives as GUILD_DELETE.
    if (userId === this.botUserId) return;
    const known = await this.repositories.discordMembers.recordSeen(guildId, userId, 'absent', null, now);
    if (!known) return;
    await this.repositories.roleGrants.markMemberLeft(guildId, userId);
  }

  // ---- guild health --------------------------------------------------------------------------------

  private scheduleHealthCheck(guildId: string, delayMs = this.healthDebounceMs): void {
    if (this.closed) return;
    let state = this.healthChecks.get(guildId);
    if (state === undefined) {
      state = { timer: undefined, running: undefined, changedWhileRunning: false, failures: 0 };
      this.healthChecks.set(guildId, state);
    }
    // One check is already due: this change falls into its window.
    if (state.timer !== undefined) return;
    if (state.running !== undefined) {
      state.changedWhileRunning = true;
      return;
    }
    const scheduled = state;
    scheduled.timer = setTimeout(() => {
      scheduled.timer = undefined;
      scheduled.running = this.runHealthCheck(guildId, scheduled).then((retryInMs) => {
        scheduled.running = undefined;
        if (scheduled.changedWhileRunning) {
          scheduled.changedWhileRunning = false;
          this.scheduleHealthCheck(guildId);
        } else if (retryInMs !== undefined) {
          this.scheduleHealthCheck(guildId, retryInMs);
        } else if (scheduled.timer === undefined && this.healthChecks.get(guildId) === scheduled) {
          this.healthChecks.delete(guildId);
        }
      });
    }, delayMs);
    // The gateway connection keeps the process alive; a pending check alone must not.
    scheduled.timer.unref();
  }

  private cancelHealthCheck(guildId: string): void {
    const state = this.healthChecks.get(guildId);
    if (state === undefined) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    state.changedWhileRunning = false;
    if (state.running === undefined) this.healthChecks.delete(guildId);
  }

  /** Runs one check; never rejects. Resolves with the delay before checking again, when one is due. */
  private async runHealthCheck(guildId: string, state: HealthCheckState): Promise<number | undefined> {
    try {
      const guild = await this.repositories.discordGuilds.findById(guildId);
      if (guild === null || guild.installStatus === 'removed') return undefined;
      const report = await this.health.check(guild);
      state.failures = 0;
      this.metrics.healthChecks.inc({ outcome: report.ok ? 'healthy' : 'needs_action' });
      for (const alert of report.opened) {
        // The notification worker tells the merchant; this line is for the operator.
        this.logger.warn(
          {
            guildId,
            merchantId: guild.merchantId,
            alertId: alert.alertId,
            kind: alert.kind,
            detail: alert.message,
          },
          'merchant alert opened',
        );
      }
      if (report.recovered) await this.resyncHeldMembers(guildId);
      return undefined;
    } catch (error) {
      return this.healthCheckFailed(guildId, state, error).catch((failure: unknown) => {
        this.metrics.healthChecks.inc({ outcome: 'failed' });
        this.logger.error({ err: failure, guildId }, 'guild health check failed');
        return undefined;
      });
    }
  }

  /** The guild's setup was fixed: members whose roles waited for it are synced now. */
  private async resyncHeldMembers(guildId: string): Promise<void> {
    const userIds = await this.repositories.roleGrants.membersInState(
      guildId,
      ['needs_action'],
      this.resyncLimit,
    );
    await this.jobs.enqueue(userIds.map((userId) => ({ guildId, userId, reason: 'drift' as const })));
    this.logger.info(
      { guildId, members: userIds.length, limitReached: userIds.length >= this.resyncLimit },
      'guild healthy again; re-syncing members held by its setup',
    );
  }

  /** Reacts to a failed check; resolves with the delay before checking again, when one is due. */
  private async healthCheckFailed(
    guildId: string,
    state: HealthCheckState,
    error: unknown,
  ): Promise<number | undefined> {
    const classification = error instanceof DiscordRequestError ? error.classification : undefined;
    const unreachable =
      classification?.kind === 'guild_gone' ||
      (classification?.kind === 'needs_merchant_action' && classification.code === 'missing_access');
    if (unreachable) {
      // Marked, not retried: hammering a guild that answers 403/404 risks Discord's invalid-request ban.
      await this.markUnreachable(guildId, error as DiscordRequestError);
      return undefined;
    }
    const transient = classification?.kind === 'retryable' || classification?.kind === 'rate_limited';
    this.metrics.healthChecks.inc({ outcome: 'failed' });
    if (transient && state.failures < this.healthRetries && !this.closed) {
      state.failures += 1;
      this.logger.warn(
        { err: error, guildId, retryInMs: this.healthRetryMs, failures: state.failures },
        'guild health check failed; checking again later',
      );
      return this.healthRetryMs;
    }
    state.failures = 0;
    this.logger.error({ err: error, guildId }, 'guild health check failed');
    return undefined;
  }

  private async markUnreachable(guildId: string, error: DiscordRequestError): Promise<void> {
    const problem: GuildHealthProblem = {
      code: 'bot_unreachable',
      severity: 'error',
      message:
        `The bot cannot read this server (Discord answered ${error.status ?? 'nothing'}` +
        `${error.code === null ? '' : ` code ${error.code}`}): re-invite the bot with the invite link.`,
    };
    await this.repositories.discordGuilds.setHealth(guildId, 'unreachable', [problem], this.clock());
    this.metrics.healthChecks.inc({ outcome: 'unreachable' });
    this.logger.warn({ guildId, status: error.status, code: error.code }, 'guild unreachable for the bot');
  }
}

/** The guild an event belongs to: the key of its queue. */
function guildIdOf(payload: HandledDispatch): string {
  switch (payload.t) {
    case GatewayDispatchEvents.GuildCreate:
    case GatewayDispatchEvents.GuildDelete:
      return payload.d.id;
    case GatewayDispatchEvents.GuildMemberAdd:
    case GatewayDispatchEvents.GuildMemberUpdate:
    case GatewayDispatchEvents.GuildMemberRemove:
    case GatewayDispatchEvents.GuildRoleCreate:
    case GatewayDispatchEvents.GuildRoleUpdate:
    case GatewayDispatchEvents.GuildRoleDelete:
      return payload.d.guild_id;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}
