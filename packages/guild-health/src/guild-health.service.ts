import { diagnoseGuild, type DiscordBotClient, type GuildProblem } from '@inflow/discord';
import type { Database, DiscordGuild, GuildHealthProblem } from '@inflow/db';
import { readGuildSnapshot, type GuildSnapshot } from './guild-snapshot';

/** What the diagnostics check in a guild. */
export interface DiagnosisTargets {
  offerRoles: ReadonlyArray<{ roleId: string; offerName: string }>;
  channels: ReadonlyArray<{ id: string; purpose: 'payment' | 'general' }>;
}

export interface GuildHealthReport {
  guildId: string;
  ok: boolean;
  problems: GuildHealthProblem[];
  checkedAt: Date;
  /** Alerts opened by this check (new problems), for notifying the merchant once. */
  opened: Array<{ alertId: string; kind: string; message: string }>;
  /** True when the guild was not healthy before this check and is now. */
  recovered: boolean;
}

/** The problems of a snapshot, for the offers and channels the merchant configured (pure). */
export function diagnoseSnapshot(snapshot: GuildSnapshot, targets: DiagnosisTargets): GuildProblem[] {
  return diagnoseGuild({
    guild: { id: snapshot.guild.id, ownerId: snapshot.guild.owner_id },
    roles: snapshot.roles,
    botMember: snapshot.botMember,
    offerRoles: targets.offerRoles,
    channels: snapshot.channels.map((channel) => ({
      id: channel.id,
      name: 'name' in channel ? channel.name : null,
      type: channel.type,
      permission_overwrites: 'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [],
    })),
    channelsToCheck: targets.channels,
  }).problems;
}

function toHealthProblem(problem: GuildProblem): GuildHealthProblem {
  return {
    code: problem.code,
    severity: problem.severity,
    message: problem.message,
    ...(problem.roleId === undefined ? {} : { roleId: problem.roleId }),
    ...(problem.channelId === undefined ? {} : { channelId: problem.channelId }),
  };
}

/**
 * Checks a guild now and keeps its health current: the bot's permissions, each offer role's place
 * below the bot's role, each notification channel's access. Every problem opens one merchant alert
 * (however many members it affects); a problem that went away resolves its alert.
 */
export class GuildHealthService {
  /** Checks running now, by guild: a refusal seen by many jobs at once asks Discord about the guild once. */
  private readonly running = new Map<string, Promise<GuildHealthReport>>();

  constructor(
    private readonly db: Database,
    private readonly bot: DiscordBotClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  snapshot(guildId: string): Promise<GuildSnapshot> {
    return readGuildSnapshot(this.bot, guildId);
  }

  /** What to check in a guild: the roles of its offers, its configured channels. */
  async targetsOf(guild: DiscordGuild): Promise<DiagnosisTargets> {
    const offers = await this.db.repositories.offers.listForGuild(guild.merchantId, guild.guildId);
    return {
      offerRoles: offers.flatMap((offer) =>
        offer.discordRoleId === null ? [] : [{ roleId: offer.discordRoleId, offerName: offer.name }],
      ),
      channels: [
        ...(guild.paymentChannelId === null
          ? []
          : [{ id: guild.paymentChannelId, purpose: 'payment' as const }]),
        ...(guild.generalChannelId === null
          ? []
          : [{ id: guild.generalChannelId, purpose: 'general' as const }]),
      ],
    };
  }

  /**
   * Reads the guild, diagnoses it, stores its health and its alerts. Throws a DiscordRequestError when
   * Discord fails. A call made while a check of the same guild runs in this process waits for that one
   * instead of reading the guild again (after a bot removal, each read is one more refused request), and
   * gets its problems with nothing `opened` or `recovered`: the first caller reports those, once.
   */
  async check(guild: DiscordGuild): Promise<GuildHealthReport> {
    const running = this.running.get(guild.guildId);
    if (running !== undefined) return { ...(await running), opened: [], recovered: false };
    const check = this.checkNow(guild);
    this.running.set(guild.guildId, check);
    try {
      return await check;
    } finally {
      this.running.delete(guild.guildId);
    }
  }

  private async checkNow(guild: DiscordGuild): Promise<GuildHealthReport> {
    const snapshot = await this.snapshot(guild.guildId);
    const problems = diagnoseSnapshot(snapshot, await this.targetsOf(guild)).map(toHealthProblem);
    return this.record(guild, problems);
  }

  /** Stores a diagnosis as the guild's health and reconciles its open alerts with it. */
  async record(guild: DiscordGuild, problems: GuildHealthProblem[]): Promise<GuildHealthReport> {
    const checkedAt = this.now();
    const ok = !problems.some((problem) => problem.severity !== 'warning');
    const repos = this.db.repositories;
    await repos.discordGuilds.setHealth(guild.guildId, ok ? 'healthy' : 'needs_action', problems, checkedAt);
    const opened: GuildHealthReport['opened'] = [];
    const current = new Set<string>();
    for (const problem of problems) {
      const subject = problem.roleId ?? problem.channelId ?? '';
      current.add(`${problem.code}|${subject}`);
      const raised = await repos.merchantAlerts.raise(
        guild.merchantId,
        guild.guildId,
        problem.code,
        subject,
        problem.message,
      );
      if (raised.opened)
        opened.push({ alertId: raised.alert.id, kind: problem.code, message: problem.message });
    }
    for (const alert of await repos.merchantAlerts.listOpen(guild.merchantId, guild.guildId)) {
      if (isDiagnosisAlert(alert.kind) && !current.has(`${alert.kind}|${alert.subject}`)) {
        await repos.merchantAlerts.resolve(guild.guildId, alert.kind, alert.subject);
      }
    }
    return {
      guildId: guild.guildId,
      ok,
      problems,
      checkedAt,
      opened,
      recovered: ok && guild.healthStatus !== 'healthy',
    };
  }
}

/**
 * The alerts this service owns: one per diagnosis code (a Record, so a new code does not compile until
 * listed). Others (a broken channel seen by a post, a held mass removal) are raised and resolved by
 * whoever saw them.
 */
const DIAGNOSIS_CODES: Record<GuildProblem['code'], true> = {
  bot_missing_manage_roles: true,
  bot_missing_create_instant_invite: true,
  offer_role_missing: true,
  offer_role_is_everyone: true,
  offer_role_managed: true,
  offer_role_above_bot: true,
  channel_missing: true,
  channel_not_text: true,
  channel_missing_view: true,
  channel_missing_send: true,
  channel_missing_embed_links: true,
};

function isDiagnosisAlert(kind: string): boolean {
  return Object.hasOwn(DIAGNOSIS_CODES, kind);
}
