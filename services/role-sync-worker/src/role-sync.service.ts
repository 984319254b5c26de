import { desiredRoles, type JobPayload } from '@inflow/contracts';
import { DiscordRequestError, type DiscordBotClient, type DiscordErrorClass } from '@inflow/discord';
import type {
  Database,
  DiscordGuild,
  DiscordMember,
  MemberSubscription,
  NewAuditLogEntry,
  RoleGrant,
  RoleGrantWrite,
} from '@inflow/db';
import type { GuildHealthService } from '@inflow/guild-health';
import { PermanentJobError, RateLimitedJobError, type JobSkipped } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import { grantReason, removalReason } from './audit-reason';
import type { MassRemovalBrake } from './mass-removal-brake';
import type { MemberJoiner } from './member-joiner';

export type RoleSyncRequest = JobPayload<'role-sync.member'>;

export interface RoleSyncDependencies {
  db: Database;
  bot: DiscordBotClient;
  joiner: MemberJoiner;
  health: GuildHealthService;
  brake: MassRemovalBrake;
  logger: Logger;
  now: () => Date;
  /** Observes each role change made on Discord (metrics). */
  onRoleChange?: (change: 'granted' | 'removed' | 'failed' | 'held') => void;
  /**
   * Observes, for a change an event asked for, the seconds from the api accepting the event (the write of
   * the subscription it changed) to the change on Discord.
   */
  onEventLatency?: (seconds: number) => void;
}

/** Problems of a guild's health that make a role impossible to grant or remove until fixed. */
const BLOCKING_PROBLEMS = new Set([
  'offer_role_missing',
  'offer_role_is_everyone',
  'offer_role_managed',
  'offer_role_above_bot',
]);

interface Plan {
  guild: DiscordGuild;
  subscriptions: MemberSubscription[];
  desired: Set<string>;
  /** Roles the member may lose: a subscription of theirs names it, or we applied it. */
  evidence: Set<string>;
  grants: Map<string, RoleGrant>;
}

class StopSync extends Error {
  constructor(readonly outcome: JobSkipped) {
    super(outcome.reason);
  }
}

/**
 * Reconciles one member of one guild: the managed roles their subscriptions grant now (the access
 * rule) against the roles Discord has as last seen, applying only the difference. It never touches a
 * role without evidence in Postgres that it belongs to a subscription (a moderator's other roles are
 * safe), never revokes because a call failed, and a second run with nothing changed makes no Discord
 * call. Idempotent and order-independent: every run starts from the current state, not from the
 * event that asked for it.
 */
export class RoleSyncService {
  constructor(private readonly deps: RoleSyncDependencies) {}

  async sync(request: RoleSyncRequest): Promise<JobSkipped | undefined> {
    try {
      return await this.run(request);
    } catch (error) {
      if (error instanceof StopSync) return error.outcome;
      throw error;
    }
  }

  private async run({ guildId, userId, reason }: RoleSyncRequest): Promise<JobSkipped | undefined> {
    const repos = this.deps.db.repositories;
    const guild = await repos.discordGuilds.findById(guildId);
    if (guild === null || guild.installStatus !== 'installed')
      return skipped('the bot is not installed in this guild');
    const now = this.deps.now();
    const [subscriptions, grantList] = await Promise.all([
      repos.subscriptions.ofMemberInGuild(guildId, userId),
      repos.roleGrants.listForMember(guildId, userId),
    ]);
    const desired = new Set(desiredRoles(subscriptions, now));
    const evidence = new Set([
      ...subscriptions.map((s) => s.offer.discordRoleId).filter((role): role is string => role !== null),
      ...grantList.filter((grant) => grant.applied).map((grant) => grant.roleId),
    ]);
    if (desired.size === 0 && evidence.size === 0)
      return skipped('no subscription of this member names a role here');
    const plan: Plan = {
      guild,
      subscriptions,
      desired,
      evidence,
      grants: new Map(grantList.map((g) => [g.roleId, g])),
    };

    let member = await repos.discordMembers.find(guildId, userId);
    if (
      member === null ||
      member.presence === 'unknown' ||
      (member.presence === 'member' && member.rolesSeen === null) ||
      reason === 'drift'
    ) {
      member = await this.readMember(plan, userId);
    }
    if (member.presence === 'absent') {
      const joined = await this.joinIfPossible(plan, userId);
      if (joined === 'out') {
        await repos.discordMembers.markSyncAttempted(guildId, userId, this.deps.now());
        return skipped('the member is not in the guild');
      }
      if (joined === 'joined-with-roles') {
        if (reason === 'event') for (const roleId of plan.desired) this.observeEventLatency(plan, roleId);
        return undefined;
      }
      member = joined;
    }
    await this.reconcile(plan, userId, new Set(member.rolesSeen ?? []), reason, member.rolesSeenAt);
    return undefined;
  }

  /** Reads the member from Discord (roles unknown or stale) and records what it saw. */
  private async readMember(plan: Plan, userId: string): Promise<DiscordMember> {
    const repos = this.deps.db.repositories;
    const { guildId } = plan.guild;
    const seenAt = this.deps.now();
    try {
      const member = await this.deps.bot.getMember(guildId, userId);
      await repos.discordMembers.recordSeen(guildId, userId, 'member', member.roles, seenAt);
    } catch (error) {
      const failure = classified(error);
      if (failure?.kind !== 'pending') await this.fail(plan, userId, error, []);
      await repos.discordMembers.recordSeen(guildId, userId, 'absent', null, seenAt);
    }
    const member = await repos.discordMembers.find(guildId, userId);
    if (member === null) throw new Error(`member ${userId} of ${guildId} not recorded`);
    return member;
  }

  /**
   * A member not in the guild: add them with their OAuth token and the roles when they gave
   * `guilds.join`; otherwise their grants wait for the join (the gateway's member-add brings them back).
   * Returns the member when they turned out to be in the guild already (their roles still to reconcile),
   * 'joined-with-roles' when the add (201) applied the roles, 'out' when they are still not a member.
   */
  private async joinIfPossible(
    plan: Plan,
    userId: string,
  ): Promise<DiscordMember | 'joined-with-roles' | 'out'> {
    const repos = this.deps.db.repositories;
    const { guildId, merchantId } = plan.guild;
    const roles = [...plan.desired].sort();
    if (roles.length === 0) {
      await this.writeGrants(plan, userId, new Set(), new Map());
      return 'out';
    }
    const pending = (
      message: string,
      state: RoleGrantWrite['syncState'] = 'pending',
      code: number | null = null,
    ) =>
      this.writeGrants(
        plan,
        userId,
        new Set(),
        new Map(roles.map((role) => [role, { syncState: state, lastError: message, lastErrorCode: code }])),
      );
    let result;
    try {
      result = await this.deps.joiner.join(repos, merchantId, guildId, userId, roles);
    } catch (error) {
      const failure = classified(error);
      if (failure?.kind === 'blocked') {
        await pending('The member is banned from this server.', 'blocked', 40007);
        return 'out';
      }
      if (failure?.kind === 'user_at_guild_cap') {
        await pending(
          'The member is in as many servers as Discord allows; they must leave one to join.',
          'blocked',
          30001,
        );
        return 'out';
      }
      await this.fail(plan, userId, error, roles);
      return 'out';
    }
    switch (result.kind) {
      case 'added': {
        const seenAt = this.deps.now();
        await repos.discordMembers.recordSeen(guildId, userId, 'member', result.roles, seenAt);
        const applied = new Set(result.roles);
        await this.writeGrants(
          plan,
          userId,
          applied,
          new Map(roles.map((role) => [role, { appliedAt: seenAt }])),
        );
        await repos.auditLog.add(
          roles.map((roleId) =>
            this.audit(
              plan,
              userId,
              roleId,
              'role.granted',
              `${grantReason(roleId, plan.subscriptions)}; added to the server`,
            ),
          ),
        );
        for (const _role of roles) this.deps.onRoleChange?.('granted');
        await repos.discordMembers.markSynced(guildId, userId, result.roles, seenAt, seenAt);
        return 'joined-with-roles';
      }
      case 'already-member':
        return this.readMember(plan, userId);
      case 'no-token':
        await pending('Not in the server: the role is granted when the member joins.');
        return 'out';
      case 'token-invalid':
        await pending('The Discord connection was revoked: the customer must connect Discord again.');
        return 'out';
    }
  }

  /**
   * Applies the difference between desired and current roles, recording every change. `seenAt`: when the
   * roles in `current` were observed (the member row's roles_seen_at).
   */
  private async reconcile(
    plan: Plan,
    userId: string,
    current: Set<string>,
    reason: string,
    seenAt: Date | null,
  ): Promise<void> {
    const repos = this.deps.db.repositories;
    const { guild } = plan;
    const add = [...plan.desired].filter((role) => !current.has(role)).sort();
    let remove = [...current].filter((role) => plan.evidence.has(role) && !plan.desired.has(role)).sort();
    const outcomes = new Map<string, Partial<RoleGrantWrite>>();

    if (remove.length > 0) {
      const merchant = await repos.merchants.findById(guild.merchantId);
      const threshold = merchant?.massRemovalThreshold ?? 0.5;
      if (
        await this.deps.brake.wouldExceed(repos, guild.guildId, threshold, remove.length, this.deps.now())
      ) {
        const message = `Role removals in "${guild.name}" are on hold: more than ${Math.round(threshold * 100)} % of its subscription roles would be removed at once. Check your subscriptions, then release them from the dashboard.`;
        await repos.merchantAlerts.raise(guild.merchantId, guild.guildId, 'mass_removal_held', '', message);
        for (const roleId of remove)
          outcomes.set(roleId, {
            syncState: 'held',
            lastError: 'Removal held by the mass-removal brake.',
            lastErrorCode: null,
          });
        await repos.auditLog.add(
          remove.map((roleId) =>
            this.audit(plan, userId, roleId, 'role.held', removalReason(roleId, plan.subscriptions)),
          ),
        );
        for (const _role of remove) this.deps.onRoleChange?.('held');
        remove = [];
      }
    }

    let blocked = this.blockedByHealth(guild);
    let healthChecked = false;
    const operations = [
      ...add.map((roleId) => ({ roleId, grant: true })),
      ...remove.map((roleId) => ({ roleId, grant: false })),
    ];
    for (const { roleId, grant } of operations) {
      const block = blocked.get(roleId) ?? blocked.get('*');
      if (block !== undefined) {
        outcomes.set(roleId, { syncState: 'needs_action', lastError: block, lastErrorCode: 50013 });
        continue;
      }
      const why = grant ? grantReason(roleId, plan.subscriptions) : removalReason(roleId, plan.subscriptions);
      try {
        if (grant) await this.deps.bot.addMemberRole(guild.guildId, userId, roleId, why);
        else await this.deps.bot.removeMemberRole(guild.guildId, userId, roleId, why);
      } catch (error) {
        const failure = classified(error);
        if (failure?.kind === 'needs_merchant_action') {
          outcomes.set(roleId, {
            syncState: 'needs_action',
            lastError: failure.fix,
            lastErrorCode: (error as DiscordRequestError).code,
          });
          await repos.auditLog.add([
            this.audit(plan, userId, roleId, 'role.failed', failure.fix, {
              code: (error as DiscordRequestError).code,
            }),
          ]);
          this.deps.onRoleChange?.('failed');
          if (!healthChecked) {
            healthChecked = true;
            blocked = await this.recheckHealth(guild, failure.fix);
          }
          // Whatever the check found, this role waits for the merchant in this run.
          if (!blocked.has(roleId)) blocked.set(roleId, failure.fix);
          continue;
        }
        await this.persist(plan, userId, current, outcomes, seenAt);
        await this.fail(plan, userId, error, [roleId]);
        return;
      }
      if (grant) current.add(roleId);
      else current.delete(roleId);
      outcomes.set(roleId, {
        syncState: 'synced',
        lastError: null,
        lastErrorCode: null,
        ...(grant ? { appliedAt: this.deps.now() } : {}),
      });
      await repos.auditLog.add([
        this.audit(plan, userId, roleId, grant ? 'role.granted' : 'role.removed', why, { trigger: reason }),
      ]);
      this.deps.onRoleChange?.(grant ? 'granted' : 'removed');
      if (reason === 'event') this.observeEventLatency(plan, roleId);
    }
    await this.persist(plan, userId, current, outcomes, seenAt);
  }

  /** For a change an event asked for: the time from the api accepting it to the change made on Discord. */
  private observeEventLatency(plan: Plan, roleId: string): void {
    const written = plan.subscriptions
      .filter((s) => s.offer.discordRoleId === roleId)
      .map((s) => s.writtenAt.getTime());
    if (written.length === 0) return;
    // Clamped: the write carries Postgres' clock, the change this process's.
    this.deps.onEventLatency?.(Math.max(0, this.deps.now().getTime() - Math.max(...written)) / 1000);
  }

  /** Records the member's roles as they now are and every grant's state. */
  private async persist(
    plan: Plan,
    userId: string,
    current: Set<string>,
    outcomes: Map<string, Partial<RoleGrantWrite>>,
    basedOn: Date | null,
  ): Promise<void> {
    const now = this.deps.now();
    await this.writeGrants(plan, userId, current, outcomes);
    await this.deps.db.repositories.discordMembers.markSynced(
      plan.guild.guildId,
      userId,
      [...current].sort(),
      now,
      basedOn,
    );
  }

  /**
   * Writes the grant rows of every role this member's subscriptions concern: desired, applied (as the
   * member now holds it), and the outcome of this run. Rows that would not change are not written.
   */
  private async writeGrants(
    plan: Plan,
    userId: string,
    applied: Set<string>,
    outcomes: Map<string, Partial<RoleGrantWrite>>,
  ): Promise<void> {
    const repos = this.deps.db.repositories;
    for (const roleId of new Set([...plan.desired, ...plan.evidence])) {
      const outcome = outcomes.get(roleId) ?? {};
      const state: RoleGrantWrite = {
        desired: plan.desired.has(roleId),
        applied: applied.has(roleId),
        syncState: outcome.syncState ?? 'synced',
        lastError: outcome.lastError ?? null,
        lastErrorCode: outcome.lastErrorCode ?? null,
        ...(outcome.appliedAt === undefined ? {} : { appliedAt: outcome.appliedAt }),
      };
      const existing = plan.grants.get(roleId);
      if (
        existing !== undefined &&
        existing.desired === state.desired &&
        existing.applied === state.applied &&
        existing.syncState === state.syncState &&
        existing.lastError === state.lastError &&
        state.appliedAt === undefined
      ) {
        continue;
      }
      await repos.roleGrants.write(plan.guild.merchantId, plan.guild.guildId, userId, roleId, state);
    }
  }

  /** Roles the guild's stored health says cannot be touched now; '*' when none can. */
  private blockedByHealth(guild: DiscordGuild): Map<string, string> {
    const blocked = new Map<string, string>();
    for (const problem of guild.healthDetail) {
      if (problem.code === 'bot_missing_manage_roles') blocked.set('*', problem.message);
      else if (problem.roleId !== undefined && BLOCKING_PROBLEMS.has(problem.code))
        blocked.set(problem.roleId, problem.message);
    }
    return blocked;
  }

  /**
   * After a 403/404 that needs the merchant: diagnose the guild once, so its health (and the alert, raised
   * once per problem) says exactly what to fix, and later runs skip the doomed calls instead of
   * spending Discord's invalid-request budget.
   */
  private async recheckHealth(guild: DiscordGuild, fallback: string): Promise<Map<string, string>> {
    try {
      const report = await this.deps.health.check(guild);
      for (const opened of report.opened)
        this.deps.logger.warn({ guildId: guild.guildId, alert: opened.kind }, opened.message);
      return this.blockedByHealth({ ...guild, healthDetail: report.problems });
    } catch (error) {
      if (classified(error)?.kind === 'guild_gone') {
        // A 403 on the member is how Discord answers once the bot has left; the guild read says so plainly.
        await this.deps.db.repositories.discordGuilds.markRemoved(guild.guildId, this.deps.now());
        throw new StopSync(skipped('the bot was removed from the guild'));
      }
      this.deps.logger.warn({ err: error, guildId: guild.guildId }, 'guild diagnostics failed');
      return new Map([['*', fallback]]);
    }
  }

  /**
   * Handles a failure that ends this run: waits for the member, marks the guild gone, or rethrows in the
   * class the worker understands (rate limited: no attempt spent; retryable: backoff; permanent: no retry).
   */
  private async fail(plan: Plan, userId: string, error: unknown, roles: readonly string[]): Promise<never> {
    const repos = this.deps.db.repositories;
    const failure = classified(error);
    if (failure === null) throw error instanceof Error ? error : new Error(String(error));
    const note = async (syncState: RoleGrantWrite['syncState'], message: string) => {
      await repos.discordMembers.ensureKnown(plan.guild.guildId, userId);
      await this.writeGrants(
        plan,
        userId,
        new Set(),
        new Map(
          roles.map((role) => [
            role,
            { syncState, lastError: message, lastErrorCode: (error as DiscordRequestError).code },
          ]),
        ),
      );
    };
    switch (failure.kind) {
      case 'rate_limited':
        throw new RateLimitedJobError(failure.retryAfterMs, `Discord rate limit (${failure.scope})`, {
          cause: error,
        });
      case 'retryable':
        throw error as DiscordRequestError;
      case 'pending':
        await repos.discordMembers.recordSeen(plan.guild.guildId, userId, 'absent', null, this.deps.now());
        throw new StopSync(skipped('the member is not in the guild'));
      case 'guild_gone':
        await repos.discordGuilds.markRemoved(plan.guild.guildId, this.deps.now());
        throw new StopSync(skipped('the bot was removed from the guild'));
      case 'needs_merchant_action':
        await this.recheckHealth(plan.guild, failure.fix);
        await note('needs_action', failure.fix);
        throw new StopSync(skipped(failure.fix));
      case 'blocked':
        await note('blocked', 'Discord refuses this member.');
        throw new StopSync(skipped('the member is blocked'));
      case 'user_at_guild_cap':
      case 'token_invalid':
      case 'bug':
        await note('failed', (error as Error).message);
        throw new PermanentJobError(`role sync failed permanently: ${(error as Error).message}`, {
          cause: error,
        });
    }
  }

  private audit(
    plan: Plan,
    userId: string,
    roleId: string,
    kind: string,
    reason: string,
    detail: Record<string, unknown> = {},
  ): NewAuditLogEntry {
    return {
      merchantId: plan.guild.merchantId,
      guildId: plan.guild.guildId,
      discordUserId: userId,
      roleId,
      kind,
      reason,
      detail: {
        ...detail,
        subscriptions: plan.subscriptions
          .filter((s) => s.offer.discordRoleId === roleId)
          .map((s) => s.externalId),
      },
    };
  }
}

function skipped(reason: string): JobSkipped {
  return { status: 'skipped', reason };
}

function classified(error: unknown): DiscordErrorClass | null {
  return error instanceof DiscordRequestError ? error.classification : null;
}
