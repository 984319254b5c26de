import type { DiscordEmulator } from '@inflow/discord-emulator';
import type { TestDatabase } from '@inflow/testing';
import type { ChaosGuild } from './chaos-world';

/** Whether every notification the events asked for was posted exactly once. */
export interface NotificationCheck {
  /** Notification jobs the api wrote for these guilds. */
  expected: number;
  /** Posted exactly once. */
  postedOnce: number;
  /** Not posted (yet), by delivery key and guild. */
  missing: string[];
  /** Posted more than once. */
  duplicated: string[];
}

/**
 * Matches the api's notification jobs with Discord's channels: each (event, guild) must have a delivery
 * marked sent whose nonce is on exactly one message.
 */
export async function checkNotifications(
  t: TestDatabase,
  emulator: DiscordEmulator,
  guilds: readonly ChaosGuild[],
): Promise<NotificationCheck> {
  const guildIds = guilds.map((guild) => guild.guildId);
  const jobs = await t.sql<{ key: string; guild_id: string; status: string | null; nonce: string | null }>(
    `SELECT 'event:' || (o.payload->>'inboundEventId') AS key, o.payload->>'guildId' AS guild_id, d.status, d.nonce
       FROM outbox o
       LEFT JOIN notification_delivery d
         ON d.delivery_key = 'event:' || (o.payload->>'inboundEventId') AND d.guild_id = o.payload->>'guildId'
      WHERE o.job_name = 'notification.send' AND o.payload->>'guildId' = ANY($1::text[])`,
    [guildIds],
  );
  const messagesByNonce = new Map<string, number>();
  for (const guild of guilds) {
    for (const channelId of [guild.paymentsChannelId, guild.generalChannelId]) {
      for (const message of emulator.state.messages(channelId)) {
        if (message.nonce === undefined) continue;
        const nonce = String(message.nonce);
        messagesByNonce.set(nonce, (messagesByNonce.get(nonce) ?? 0) + 1);
      }
    }
  }
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const job of jobs) {
    const posted = job.nonce === null ? 0 : (messagesByNonce.get(job.nonce) ?? 0);
    const label = `${job.key}@${job.guild_id}`;
    if (posted === 0 || job.status !== 'sent') missing.push(`${label} (${job.status ?? 'no delivery'})`);
    else if (posted > 1) duplicated.push(`${label} ×${posted}`);
  }
  return {
    expected: jobs.length,
    postedOnce: jobs.length - missing.length - duplicated.length,
    missing,
    duplicated,
  };
}

/** The last check, and how long after `since` nothing was missing (null when something still was). */
export interface NotificationWait extends NotificationCheck {
  afterMs: number | null;
}

/** Checks until nothing is missing or the timeout; duplicates never heal, so they do not prolong it. */
export async function waitForNotifications(
  t: TestDatabase,
  emulator: DiscordEmulator,
  guilds: readonly ChaosGuild[],
  options: { timeoutMs: number; since: number },
): Promise<NotificationWait> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const check = await checkNotifications(t, emulator, guilds);
    if (check.missing.length === 0) return { ...check, afterMs: Date.now() - options.since };
    if (Date.now() > deadline) return { ...check, afterMs: null };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
