import { Gauge, type Registry } from 'prom-client';
import type { Database } from '@inflow/db';

const HEALTH_STATUSES = ['healthy', 'needs_action', 'unreachable'] as const;

/**
 * What an operator asks of the whole deployment, read from Postgres at scrape time: how far the outbox
 * relay lags behind, and the health of every installed guild.
 */
export function registerOperationsMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: 'outbox_pending_rows',
    help: 'Outbox rows written but not yet published to the queues',
    registers: [registry],
    async collect() {
      this.set((await db.repositories.outbox.lag()).pending);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_seconds',
    help: 'Age of the oldest unpublished outbox row: the relay lag',
    registers: [registry],
    async collect() {
      this.set((await db.repositories.outbox.lag()).oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'discord_guilds',
    help: 'Installed guilds by health status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const guilds = await db.repositories.discordGuilds.healthOfInstalled();
      for (const status of HEALTH_STATUSES)
        this.set({ status }, guilds.filter((guild) => guild.status === status).length);
    },
  });
  new Gauge({
    name: 'discord_guild_healthy',
    help: 'Per installed guild: 1 when healthy, 0 when it needs the merchant or the bot cannot reach it',
    labelNames: ['guild_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const guild of await db.repositories.discordGuilds.healthOfInstalled())
        this.set({ guild_id: guild.guildId }, guild.status === 'healthy' ? 1 : 0);
    },
  });
}
