import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EMBED_COLORS, MERCHANT_FIXES } from '@inflow/discord';
import { AlertNotificationService } from './alert-notification.service';
import { NotificationFixture } from './test/notification-fixture';

const ROLE_ABOVE_BOT = 'Move the bot\'s role "Inflow" above "VIP" in Server Settings > Roles.';

describe('operational alerts against the Discord emulator and Postgres', () => {
  let f: NotificationFixture;

  beforeAll(async () => {
    f = await NotificationFixture.start();
  });

  beforeEach(async () => {
    await f.configure();
  });

  afterAll(async () => {
    await f.stop();
  });

  /** Raises an alert as the role pipeline does; returns the alert ids the outbox queued a job for. */
  async function raise(kind: string, subject: string, message: string, times = 1): Promise<string[]> {
    const before = await queuedAlerts();
    for (let i = 0; i < times; i += 1)
      await f.t.db.repositories.merchantAlerts.raise(f.merchantId, f.guildId, kind, subject, message);
    return (await queuedAlerts()).filter((id) => !before.includes(id));
  }

  async function queuedAlerts(): Promise<string[]> {
    const rows = await f.t.sql<{ alert_id: string }>(
      `SELECT payload->>'alertId' AS alert_id FROM outbox WHERE job_name = 'notification.alert' ORDER BY id`,
    );
    return rows.map((row) => row.alert_id);
  }

  it('posts a problem once to #general, however many members hit it and however often its job runs', async () => {
    const jobs = await raise('offer_role_above_bot', f.seed.vipRoleId, ROLE_ABOVE_BOT, 25);
    expect(jobs).toHaveLength(1);
    const [alertId] = jobs as [string];
    const before = f.messages(f.seed.generalChannelId).length;

    expect(await f.postAlert(alertId)).toBeUndefined();
    expect(await f.postAlert(alertId)).toEqual({ status: 'skipped', reason: 'already posted' });
    expect(await f.postAlert(alertId)).toEqual({ status: 'skipped', reason: 'already posted' });

    const posted = f.messages(f.seed.generalChannelId).slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.embeds[0]).toMatchObject({
      title: "Action needed: the bot's role is below a subscription role",
      description: ROLE_ABOVE_BOT,
      color: EMBED_COLORS.alert,
    });
    const alert = await f.t.db.repositories.merchantAlerts.find(alertId);
    expect(alert?.notifiedAt).toBeInstanceOf(Date);
    expect(alert?.occurrences).toBe(25);
    expect(
      await f.t.db.repositories.notificationDeliveries.find(`alert:${alertId}`, f.guildId),
    ).toMatchObject({ status: 'sent', kind: 'operational_alert', messageId: posted[0]!.id });
  });

  it('finishes marking an alert posted by a run that died before marking it, without posting again', async () => {
    const [alertId] = (await raise('bot_missing_manage_roles', '', 'Enable "Manage Roles" for the bot.')) as [
      string,
    ];
    const repos = f.t.db.repositories;
    const crashing = new AlertNotificationService({
      delivery: f.delivery,
      repositories: {
        discordGuilds: repos.discordGuilds,
        merchantAlerts: {
          find: (id) => repos.merchantAlerts.find(id),
          markNotified: () => Promise.reject(new Error('the process was killed')),
        },
      },
    });
    const before = f.messages(f.seed.generalChannelId).length;
    await expect(crashing.post({ alertId }, { lastAttempt: false })).rejects.toThrow(
      'the process was killed',
    );
    expect(await f.postAlert(alertId)).toEqual({ status: 'skipped', reason: 'already sent' });
    expect(f.messages(f.seed.generalChannelId)).toHaveLength(before + 1);
    expect((await repos.merchantAlerts.find(alertId))?.notifiedAt).toBeInstanceOf(Date);
  });

  it('posts an alert about the general channel to the payment channel instead', async () => {
    const [alertId] = (await raise(
      'channel_missing_send',
      f.seed.generalChannelId,
      'The bot cannot post in #general: allow "Send Messages".',
    )) as [string];
    const general = f.messages(f.seed.generalChannelId).length;
    const payments = f.messages(f.seed.paymentsChannelId).length;
    expect(await f.postAlert(alertId)).toBeUndefined();
    expect(f.messages(f.seed.generalChannelId)).toHaveLength(general);
    expect(f.messages(f.seed.paymentsChannelId)).toHaveLength(payments + 1);
  });

  it('falls back to the payment channel when the general channel turns out deleted, and says so once', async () => {
    const deleted = '1199999999999999998';
    await f.configure({ generalChannelId: deleted });
    const [alertId] = (await raise(
      'offer_role_missing',
      '1199999999999999990',
      'The role of offer "VIP" was deleted.',
    )) as [string];
    const payments = f.messages(f.seed.paymentsChannelId).length;
    expect(await f.postAlert(alertId)).toBeUndefined();
    expect(f.postsTo(deleted).map((entry) => entry.code)).toEqual([10003]);
    expect(
      f
        .messages(f.seed.paymentsChannelId)
        .slice(payments)
        .map((m) => m.embeds[0]?.['title']),
    ).toEqual(["Action needed: an offer's role was deleted"]);

    // The broken channel opened its own alert, which goes to the payment channel too, never to the deleted one.
    const broken = await f.t.sql<{ id: string }>(
      `SELECT id::text FROM merchant_alert WHERE guild_id = $1 AND kind = 'channel_broken' AND subject = $2`,
      [f.guildId, deleted],
    );
    expect(broken).toHaveLength(1);
    expect(await queuedAlerts()).toContain(broken[0]!.id);
    expect(await f.postAlert(broken[0]!.id)).toBeUndefined();
    expect(f.postsTo(deleted)).toHaveLength(1);
    const last = f.messages(f.seed.paymentsChannelId).at(-1)!.embeds[0]!;
    expect(last['title']).toBe('Action needed: a notification channel is unavailable');
    expect(last['description']).toContain(MERCHANT_FIXES.unknown_channel);
  });

  it('does not post a problem fixed before its job ran, nor one with no channel to go to', async () => {
    const calls = f.emulator.stats.requests().length;
    const [fixed] = (await raise(
      'offer_role_managed',
      '1199999999999999991',
      'Role "Booster" is managed.',
    )) as [string];
    await f.t.db.repositories.merchantAlerts.resolve(f.guildId, 'offer_role_managed');
    expect(await f.postAlert(fixed)).toEqual({
      status: 'skipped',
      reason: 'the problem was fixed before it was posted',
    });

    await f.configure({ generalChannelId: null, paymentChannelId: null });
    const [nowhere] = (await raise('mass_removal_held', '', 'Role removals are on hold.')) as [string];
    expect(await f.postAlert(nowhere)).toEqual({
      status: 'skipped',
      reason: 'no notification channel can take the alert',
    });
    expect(f.emulator.stats.requests().length).toBe(calls);
  });
});
