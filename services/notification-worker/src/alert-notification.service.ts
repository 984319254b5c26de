import type { JobPayload } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import type { JobSkipped } from '@inflow/queue';
import { alertMessage, alertTargets } from './alert-message';
import type { ChannelDeliveryService } from './channel-delivery.service';
import type { RunInfo } from './notification.service';

export type AlertNotificationRequest = JobPayload<'notification.alert'>;

/** What the alert notifications read and write in Postgres. */
export interface AlertNotificationRepositories {
  merchantAlerts: Pick<Repositories['merchantAlerts'], 'find' | 'markNotified'>;
  discordGuilds: Pick<Repositories['discordGuilds'], 'findById'>;
}

export interface AlertNotificationServiceDependencies {
  repositories: AlertNotificationRepositories;
  delivery: ChannelDeliveryService;
}

function skipped(reason: string): JobSkipped {
  return { status: 'skipped', reason };
}

/**
 * Tells the merchant in their guild about a problem they must fix (the bot lacks Manage Roles, an
 * offer role sits above the bot's, a role was deleted, a mass removal is held, a notification channel
 * is refused). An alert's job is queued only when the alert opens, so a problem that hits a thousand
 * members is posted once; the delivery row makes a repeated job a no-op. The dashboard lists the same
 * alerts from Postgres.
 */
export class AlertNotificationService {
  constructor(private readonly deps: AlertNotificationServiceDependencies) {}

  async post({ alertId }: AlertNotificationRequest, run: RunInfo): Promise<JobSkipped | undefined> {
    const repos = this.deps.repositories;
    const alert = await repos.merchantAlerts.find(alertId);
    if (alert === null) return skipped('the alert no longer exists');
    if (alert.notifiedAt !== null) return skipped('already posted');
    const guild = await repos.discordGuilds.findById(alert.guildId);
    if (guild === null || guild.merchantId !== alert.merchantId || guild.installStatus !== 'installed')
      return skipped('the bot is not in this guild');

    const request = {
      merchantId: alert.merchantId,
      guildId: alert.guildId,
      deliveryKey: `alert:${alert.id}`,
      kind: 'operational_alert' as const,
    };
    // A problem fixed before its job ran is not worth a message; the dashboard keeps its history.
    if (alert.resolved)
      return this.deps.delivery.skip(request, null, 'the problem was fixed before it was posted');
    const targets = alertTargets(alert, guild);
    if (targets.length === 0)
      return this.deps.delivery.skip(request, null, 'no notification channel can take the alert');

    const result = await this.deps.delivery.deliver({
      ...request,
      targets,
      message: alertMessage(alert),
      subject: `alert ${alert.kind}`,
      detail: { alertId: alert.id, alertKind: alert.kind, alertSubject: alert.subject },
      lastAttempt: run.lastAttempt,
    });
    switch (result.status) {
      case 'sent':
        await repos.merchantAlerts.markNotified(alert.id);
        return undefined;
      case 'duplicate':
        // A run that died after posting but before marking the alert finishes the marking.
        if (result.delivery.status === 'sent') await repos.merchantAlerts.markNotified(alert.id);
        return skipped(`already ${result.delivery.status}`);
      case 'failed':
        return skipped(result.reason);
    }
  }
}
