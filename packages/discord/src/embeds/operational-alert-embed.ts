import { type APIEmbedField } from 'discord-api-types/v10';
import { redactEmails } from './mask-email';
import { EMBED_COLORS, notificationMessage, type NotificationMessage } from './notification-embeds';

/** What an operational alert is about; each has its own title. */
export type OperationalAlertKind =
  | 'missing_permissions'
  | 'role_hierarchy'
  | 'unknown_role'
  | 'missing_access'
  | 'channel_unavailable'
  | 'bot_removed'
  | 'role_sync_failing'
  | 'notifications_failing';

const TITLES: Readonly<Record<OperationalAlertKind, string>> = {
  missing_permissions: 'Action needed: the bot is missing a permission',
  role_hierarchy: "Action needed: the bot's role is below a subscription role",
  unknown_role: "Action needed: an offer's role was deleted",
  missing_access: 'Action needed: the bot cannot see a server or channel',
  channel_unavailable: 'Action needed: a notification channel is unavailable',
  bot_removed: 'The bot was removed from the server',
  role_sync_failing: 'Roles are not being updated',
  notifications_failing: 'Notifications are not being delivered',
};

/** What the merchant is told. Plain text; e-mail addresses in it are masked. */
export interface OperationalAlertDetails {
  /** What happened, in a sentence or two. */
  summary: string;
  /** How to fix it (e.g. a diagnostics fix-it sentence). */
  fix?: string | null;
  offerName?: string | null;
  roleName?: string | null;
  channelName?: string | null;
  /** How many members or events are affected so far. */
  affected?: number | null;
  occurredAt?: Date | string | null;
  /** A support reference (error code, request id), shown in the footer. */
  reference?: string | null;
}

/** An amber alert for the merchant: the title by kind, the summary, the fix and the affected things. */
export function operationalAlertEmbed(
  kind: OperationalAlertKind,
  details: OperationalAlertDetails,
): NotificationMessage {
  const fields: APIEmbedField[] = [];
  if (details.fix) fields.push({ name: 'How to fix', value: redactEmails(details.fix) });
  if (details.offerName) fields.push({ name: 'Offer', value: redactEmails(details.offerName), inline: true });
  if (details.roleName) fields.push({ name: 'Role', value: redactEmails(details.roleName), inline: true });
  if (details.channelName)
    fields.push({ name: 'Channel', value: `#${redactEmails(details.channelName)}`, inline: true });
  if (details.affected !== undefined && details.affected !== null && Number.isFinite(details.affected))
    fields.push({ name: 'Affected', value: String(details.affected), inline: true });
  return notificationMessage(
    {
      title: TITLES[kind],
      description: redactEmails(details.summary),
      color: EMBED_COLORS.alert,
      fields,
      ...(details.reference ? { footer: { text: `Reference: ${redactEmails(details.reference)}` } } : {}),
    },
    details.occurredAt,
  );
}
