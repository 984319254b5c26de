import type { Database } from '@inflow/db';

const RESYNC_ALL_INTERVAL_MS = 5 * 60 * 1000;

/** What the dashboard's buttons do beyond the merchant API: re-syncs and releasing held removals. */
export class DashboardActionsService {
  constructor(
    private readonly db: Database,
    private readonly outboxWritten: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Re-syncs one member in every guild of the merchant where they have managed roles or subscriptions. */
  async resyncMember(merchantId: string, discordUserId: string): Promise<number> {
    const repos = this.db.repositories;
    const grants = await repos.roleGrants.listForMerchantMember(merchantId, discordUserId);
    const customers = await repos.discordLinks.customersOf(merchantId, discordUserId);
    const guilds = new Set(grants.map((grant) => grant.guildId));
    for (const customer of customers)
      for (const guild of await repos.subscriptions.guildsOfCustomer(merchantId, customer.customerId))
        guilds.add(guild);
    await repos.outbox.add(
      [...guilds].map((guildId) => ({
        jobName: 'role-sync.member',
        payload: { guildId, userId: discordUserId, reason: 'manual' },
      })),
    );
    if (guilds.size > 0) this.outboxWritten();
    return guilds.size;
  }

  /** Re-syncs every member with managed roles in a guild, at most once every five minutes. */
  async resyncGuild(merchantId: string, guildId: string): Promise<{ queued: number } | { tooSoon: true }> {
    const since = new Date(this.now().getTime() - RESYNC_ALL_INTERVAL_MS);
    return this.db.transaction(async (repos) => {
      if ((await repos.auditLog.countSince(guildId, 'guild.resync', since)) > 0)
        return { tooSoon: true as const };
      const members = await repos.roleGrants.membersInGuild(guildId);
      await repos.outbox.add(
        members.map((userId) => ({
          jobName: 'role-sync.member',
          payload: { guildId, userId, reason: 'manual' },
        })),
      );
      await repos.auditLog.add([
        {
          merchantId,
          guildId,
          discordUserId: null,
          roleId: null,
          kind: 'guild.resync',
          reason: `Re-sync of ${members.length} members asked from the dashboard`,
        },
      ]);
      this.outboxWritten();
      return { queued: members.length };
    });
  }

  /**
   * The merchant checked the held removals and lets them go: the brake stands aside for this window,
   * the alert closes, and the held members are synced again.
   */
  async releaseHeldRemovals(merchantId: string, guildId: string): Promise<number> {
    return this.db.transaction(async (repos) => {
      const members = await repos.roleGrants.membersInState(guildId, ['held'], 100_000);
      await repos.auditLog.add([
        {
          merchantId,
          guildId,
          discordUserId: null,
          roleId: null,
          kind: 'brake.released',
          reason: 'Held removals released from the dashboard',
        },
      ]);
      await repos.merchantAlerts.resolve(guildId, 'mass_removal_held');
      await repos.outbox.add(
        members.map((userId) => ({
          jobName: 'role-sync.member',
          payload: { guildId, userId, reason: 'manual' },
        })),
      );
      this.outboxWritten();
      return members.length;
    });
  }
}
