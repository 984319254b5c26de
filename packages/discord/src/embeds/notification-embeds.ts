import { type APIAllowedMentions, type APIEmbed, type APIEmbedField } from 'discord-api-types/v10';
import { isSnowflake } from '../rest/snowflake';
import { fitEmbed } from './embed-limits';
import { formatAmount } from './format-amount';
import { maskEmail, redactEmails } from './mask-email';

/** Embed colours by notification kind. */
export const EMBED_COLORS = {
  success: 0x2ecc71,
  failure: 0xe74c3c,
  created: 0x3498db,
  canceled: 0x95a5a6,
  alert: 0xf39c12,
} as const;

/** Who the notification is about: their Discord account when linked, else their e-mail (shown masked). */
export interface NotificationCustomer {
  discordUserId?: string | null;
  email?: string | null;
}

interface NotificationBase {
  offerName: string;
  customer: NotificationCustomer;
  /** When it happened; the embed's timestamp. */
  occurredAt: Date | string;
  /** BCP 47 locale for amounts. Default `en-US`. Dates render in each reader's own locale. */
  locale?: string;
}

export interface PaymentSucceededInput extends NotificationBase {
  /** In the currency's minor units. */
  amountInCents: number;
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
  /** End of the period this payment covers. */
  periodEnd?: Date | string | null;
}

export interface PaymentFailedInput extends NotificationBase {
  amountInCents: number;
  currency: string;
  failureReason?: string | null;
}

export interface SubscriptionCreatedInput extends NotificationBase {
  /** The price, when known. */
  amountInCents?: number;
  currency?: string;
  /** When the first period ends (renewal or trial end). */
  periodEnd?: Date | string | null;
}

export interface SubscriptionCanceledInput extends NotificationBase {
  /** Access lasts until then (cancel at period end); absent when it ended at once. */
  periodEnd?: Date | string | null;
}

/** A message body for `DiscordBotClient.createMessage`: one embed, and mentions that ping nobody. */
export interface NotificationMessage {
  embeds: APIEmbed[];
  allowedMentions: APIAllowedMentions;
}

function validDate(value: Date | string | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `<t:…:D>`: Discord shows the date in each reader's own locale and time zone. */
function discordDate(date: Date): string {
  return `<t:${Math.floor(date.getTime() / 1000)}:D>`;
}

/** The customer as a mention when linked, else the masked e-mail; never the address itself. */
export function customerLabel(customer: NotificationCustomer): string {
  if (customer.discordUserId && isSnowflake(customer.discordUserId)) return `<@${customer.discordUserId}>`;
  if (customer.email) return maskEmail(customer.email);
  return 'Unknown customer';
}

function field(name: string, value: string, inline = false): APIEmbedField {
  return { name, value, inline };
}

/** Builds, fits to Discord's limits and wraps one embed. Free text is redacted of e-mail addresses first. */
export function notificationMessage(embed: APIEmbed, occurredAt?: Date | string | null): NotificationMessage {
  const timestamp = validDate(occurredAt);
  const withTime: APIEmbed = timestamp ? { ...embed, timestamp: timestamp.toISOString() } : embed;
  // Mentions render as names but ping nobody: not the customer, not a role, not @everyone or @here.
  return { embeds: [fitEmbed(withTime)], allowedMentions: { parse: [] } };
}

function offerName(input: NotificationBase): string {
  return redactEmails(input.offerName);
}

export function paymentSucceededEmbed(input: PaymentSucceededInput): NotificationMessage {
  const fields = [
    field('Customer', customerLabel(input.customer), true),
    field('Amount', formatAmount(input.amountInCents, input.currency, input.locale), true),
    field('Offer', offerName(input)),
  ];
  const periodEnd = validDate(input.periodEnd);
  if (periodEnd) fields.push(field('Paid through', discordDate(periodEnd), true));
  return notificationMessage(
    { title: `Payment received: ${offerName(input)}`, color: EMBED_COLORS.success, fields },
    input.occurredAt,
  );
}

export function paymentFailedEmbed(input: PaymentFailedInput): NotificationMessage {
  const fields = [
    field('Customer', customerLabel(input.customer), true),
    field('Amount', formatAmount(input.amountInCents, input.currency, input.locale), true),
    field('Offer', offerName(input)),
    field('Reason', input.failureReason ? redactEmails(input.failureReason) : 'Not given'),
  ];
  return notificationMessage(
    { title: `Payment failed: ${offerName(input)}`, color: EMBED_COLORS.failure, fields },
    input.occurredAt,
  );
}

export function subscriptionCreatedEmbed(input: SubscriptionCreatedInput): NotificationMessage {
  const fields = [field('Customer', customerLabel(input.customer), true), field('Offer', offerName(input))];
  if (input.amountInCents !== undefined && input.currency !== undefined)
    fields.push(field('Price', formatAmount(input.amountInCents, input.currency, input.locale), true));
  const periodEnd = validDate(input.periodEnd);
  if (periodEnd) fields.push(field('Renews', discordDate(periodEnd), true));
  return notificationMessage(
    { title: `New subscription: ${offerName(input)}`, color: EMBED_COLORS.created, fields },
    input.occurredAt,
  );
}

export function subscriptionCanceledEmbed(input: SubscriptionCanceledInput): NotificationMessage {
  const fields = [field('Customer', customerLabel(input.customer), true), field('Offer', offerName(input))];
  const periodEnd = validDate(input.periodEnd);
  fields.push(field('Access', periodEnd ? `Until ${discordDate(periodEnd)}` : 'Ended', true));
  return notificationMessage(
    { title: `Subscription canceled: ${offerName(input)}`, color: EMBED_COLORS.canceled, fields },
    input.occurredAt,
  );
}
