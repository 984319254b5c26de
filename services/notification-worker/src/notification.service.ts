import { merchantEventSchema, type JobPayload, type MerchantEvent } from '@inflow/contracts';
import type { Repositories } from '@inflow/db';
import { PermanentJobError, type JobSkipped } from '@inflow/queue';
import type { ChannelDeliveryService } from './channel-delivery.service';
import { eventMessage } from './event-message';
import {
  notificationKindOf,
  routeEventNotification,
  type EventNotificationKind,
} from './notification-routing';

export type NotificationRequest = JobPayload<'notification.send'>;

/** What the event notifications read of Postgres. */
export interface NotificationRepositories {
  inboundEvents: Pick<Repositories['inboundEvents'], 'findById'>;
  discordGuilds: Pick<Repositories['discordGuilds'], 'findById'>;
  offers: Pick<Repositories['offers'], 'find'>;
  customers: Pick<Repositories['customers'], 'findByExternalId'>;
  discordLinks: Pick<Repositories['discordLinks'], 'findSummaryByCustomer'>;
}

export interface NotificationServiceDependencies {
  repositories: NotificationRepositories;
  delivery: ChannelDeliveryService;
  /** BCP 47 locale for amounts (NOTIFICATION_LOCALE). */
  locale: string;
}

/** What the worker knows about the run. */
export interface RunInfo {
  /** No retry follows this run: a retryable failure is recorded as final. */
  lastAttempt: boolean;
}

function skipped(reason: string): JobSkipped {
  return { status: 'skipped', reason };
}

/**
 * Posts one merchant event's notification to one guild: payments to its payment channel,
 * subscriptions to its general channel, as its toggles allow, once however often the job runs. The job
 * carries ids only; the event, the offer and the customer's Discord link are read here.
 */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDependencies) {}

  async send(
    { inboundEventId, guildId }: NotificationRequest,
    run: RunInfo,
  ): Promise<JobSkipped | undefined> {
    const repos = this.deps.repositories;
    const stored = await repos.inboundEvents.findById(inboundEventId);
    if (stored === null) return skipped('the event no longer exists');
    const parsed = merchantEventSchema.safeParse(stored.body);
    if (!parsed.success) {
      throw new PermanentJobError(`inbound event ${inboundEventId} does not match the event schema`, {
        cause: parsed.error,
      });
    }
    const event = parsed.data;
    const kind = notificationKindOf(event.type);
    if (kind === null) return skipped(`${event.type} is not notified`);

    const guild = await repos.discordGuilds.findById(guildId);
    // The job names the guild of the event's offer; a guild of another merchant is never posted to.
    if (guild === null || guild.merchantId !== stored.merchantId)
      return skipped('the guild is not connected to this merchant');
    if (guild.installStatus !== 'installed') return skipped('the bot is not in this guild');

    const request = {
      merchantId: stored.merchantId,
      guildId,
      deliveryKey: `event:${inboundEventId}`,
      kind,
    };
    const route = routeEventNotification(kind, guild);
    if (!route.send) return this.deps.delivery.skip(request, route.channelId, route.reason);

    const { message, discordUserId } = await this.compose(stored.merchantId, event, kind);
    const result = await this.deps.delivery.deliver({
      ...request,
      targets: [route.target],
      message,
      subject: `${event.type} notification of event ${event.id}`,
      discordUserId,
      detail: { eventId: event.id, eventType: event.type, subscriptionId: event.subscription.id },
      lastAttempt: run.lastAttempt,
    });
    switch (result.status) {
      case 'sent':
        return undefined;
      case 'duplicate':
        return skipped(`already ${result.delivery.status}`);
      case 'failed':
        return skipped(result.reason);
    }
  }

  /** The embed, with the offer's name and price and the customer as a mention when they linked Discord. */
  private async compose(merchantId: string, event: MerchantEvent, kind: EventNotificationKind) {
    const repos = this.deps.repositories;
    const [offer, customer] = await Promise.all([
      repos.offers.find(merchantId, event.subscription.offerId),
      repos.customers.findByExternalId(merchantId, event.subscription.customer.id),
    ]);
    const link =
      customer === null ? null : await repos.discordLinks.findSummaryByCustomer(merchantId, customer.id);
    const discordUserId = link?.discordUserId ?? null;
    const message = eventMessage(kind, {
      event,
      offerName: offer?.name ?? 'Unknown offer',
      offerPrice: offer === null ? null : { amountInCents: offer.amountInCents, currency: offer.currency },
      customer: { discordUserId, email: event.subscription.customer.email ?? customer?.email ?? null },
      locale: this.deps.locale,
    });
    if (message === null)
      throw new PermanentJobError(`event ${event.id} (${event.type}) has no payment to show`);
    return { message, discordUserId };
  }
}
