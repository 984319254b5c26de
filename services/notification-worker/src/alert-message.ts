import { operationalAlertEmbed, type NotificationMessage, type OperationalAlertKind } from '@inflow/discord';
import type { MerchantAlert } from '@inflow/db';
import { brokenReason, channelFor, type ChannelTarget, type RoutingGuild } from './notification-routing';

/** The alert kind this worker raises when Discord refuses a notification channel. */
export const CHANNEL_BROKEN_ALERT = 'channel_broken';

/**
 * The embed title for each alert kind raised today: the guild diagnostics' problem codes, the
 * role-sync brake and this worker's broken channel.
 */
const EMBED_KINDS: Readonly<Record<string, OperationalAlertKind>> = {
  bot_missing_manage_roles: 'missing_permissions',
  bot_missing_create_instant_invite: 'missing_permissions',
  offer_role_missing: 'unknown_role',
  offer_role_above_bot: 'role_hierarchy',
  offer_role_is_everyone: 'role_sync_failing',
  offer_role_managed: 'role_sync_failing',
  mass_removal_held: 'role_sync_failing',
  channel_missing: 'channel_unavailable',
  channel_not_text: 'channel_unavailable',
  channel_missing_view: 'missing_access',
  channel_missing_send: 'missing_permissions',
  channel_missing_embed_links: 'missing_permissions',
  [CHANNEL_BROKEN_ALERT]: 'channel_unavailable',
};

/**
 * The embed kind of an alert. A kind added later by another producer still gets a fitting title from
 * its family (`channel_…`, `bot_…`) rather than failing the notification.
 */
export function alertEmbedKind(kind: string): OperationalAlertKind {
  if (Object.hasOwn(EMBED_KINDS, kind)) return EMBED_KINDS[kind]!;
  if (kind.startsWith('channel_')) return 'channel_unavailable';
  if (kind.startsWith('bot_')) return 'missing_permissions';
  return 'role_sync_failing';
}

/** Alerts whose subject is a notification channel: they are never posted in that channel. */
function channelOfAlert(alert: Pick<MerchantAlert, 'kind' | 'subject'>): string | null {
  return alert.kind.startsWith('channel_') && alert.subject !== '' ? alert.subject : null;
}

/**
 * Where an alert may go, in order: the general channel, else the payment channel; never a channel
 * Discord refused, nor the channel the alert is about.
 */
export function alertTargets(
  alert: Pick<MerchantAlert, 'kind' | 'subject'>,
  guild: RoutingGuild,
): ChannelTarget[] {
  const about = channelOfAlert(alert);
  const targets: ChannelTarget[] = [];
  for (const purpose of ['general', 'payment'] as const) {
    const channelId = channelFor(guild, purpose);
    if (channelId === null || channelId === about || brokenReason(guild, channelId) !== undefined) continue;
    if (targets.some((target) => target.channelId === channelId)) continue;
    targets.push({ channelId, purpose });
  }
  return targets;
}

/** The merchant-facing embed of an alert: its sentence (which says how to fix it) and a support reference. */
export function alertMessage(
  alert: Pick<MerchantAlert, 'id' | 'kind' | 'message' | 'firstSeenAt'>,
): NotificationMessage {
  return operationalAlertEmbed(alertEmbedKind(alert.kind), {
    summary: alert.message,
    occurredAt: alert.firstSeenAt,
    reference: `alert ${alert.id} (${alert.kind})`,
  });
}
