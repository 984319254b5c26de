import { randomBytes } from 'node:crypto';
import {
  DiscordRequestError,
  type CreateMessageInput,
  type DiscordErrorClass,
  type NotificationMessage,
} from '@inflow/discord';
import type { NewAuditLogEntry, NotificationDelivery, Repositories } from '@inflow/db';
import { PermanentJobError, RateLimitedJobError, type JobSkipped } from '@inflow/queue';
import { CHANNEL_BROKEN_ALERT } from './alert-message';
import type { ChannelTarget, NotificationKind } from './notification-routing';

/** What delivering needs of Postgres. */
export interface DeliveryRepositories {
  notificationDeliveries: Pick<Repositories['notificationDeliveries'], 'begin' | 'finish'>;
  discordGuilds: Pick<Repositories['discordGuilds'], 'markChannelBroken' | 'markRemoved'>;
  merchantAlerts: Pick<Repositories['merchantAlerts'], 'raise' | 'resolve'>;
  auditLog: Pick<Repositories['auditLog'], 'add'>;
}

/** The one Discord call a notification makes (DiscordBotClient's). */
export interface MessageSender {
  createMessage(channelId: string, input: CreateMessageInput): Promise<{ id: string }>;
}

/** How a delivery ended, for metrics: `duplicate` is a job run after the delivery was already settled. */
export type DeliveryOutcome = 'sent' | 'skipped' | 'failed' | 'duplicate' | 'retry' | 'rate_limited';

export interface ChannelDeliveryDependencies {
  repositories: DeliveryRepositories;
  bot: MessageSender;
  now: () => Date;
  /** Observes each delivery's outcome (metrics). */
  onOutcome?: (kind: NotificationKind, outcome: DeliveryOutcome) => void;
}

/** One notification to one guild: what it is, where it may go, and what to record about it. */
export interface DeliveryRequest {
  merchantId: string;
  guildId: string;
  /** `event:<inbound event id>` or `alert:<alert id>`: one delivery per key and guild, ever. */
  deliveryKey: string;
  kind: NotificationKind;
  /** Channels to try in order: one Discord refuses is marked broken and the next one is tried. */
  targets: readonly ChannelTarget[];
  message: NotificationMessage;
  /** What the audit log says was notified (no personal data), e.g. `payment.failed evt_1`. */
  subject: string;
  /** The member the notification is about, for the audit log. */
  discordUserId?: string | null;
  /** Extra audit detail (event ids, alert kind). */
  detail?: Record<string, unknown>;
  /** This is the job's last attempt: a retryable failure is recorded as final. */
  lastAttempt: boolean;
}

/** What a delivery came to when it did not throw. */
export type DeliveryResult =
  | { status: 'sent'; channelId: string; messageId: string }
  | { status: 'duplicate'; delivery: NotificationDelivery }
  | { status: 'failed'; reason: string };

/**
 * A nonce for a new delivery: 16 random characters (96 bits; Discord allows 25). It is stored on the
 * delivery row before the first post and reused by every retry, so Discord answers a retried post
 * with the first message.
 */
function newNonce(): string {
  return randomBytes(12).toString('base64url');
}

function settled(delivery: NotificationDelivery): boolean {
  return delivery.status === 'sent' || delivery.status === 'skipped';
}

/**
 * Posts a notification exactly once per (key, guild). The delivery row is written, with its nonce,
 * before Discord is called; the post's result is trusted only once recorded on that row. A run that
 * died between the post and the record posts again with the same nonce, which Discord (enforce_nonce)
 * answers with the first message instead of a second one. A settled delivery makes any later run a
 * no-op.
 *
 * Failures by class: a channel Discord refuses (10003, 50001, 50013, 50008) is marked broken with the
 * fix, the merchant is alerted once, and the next channel is tried, with no retry; the bot gone from
 * the guild (10004) marks the guild removed; rate limits release the job without spending an attempt;
 * 5xx and network errors are retried with the same nonce; anything else is a bug and fails at once.
 */
export class ChannelDeliveryService {
  constructor(private readonly deps: ChannelDeliveryDependencies) {}

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const first = request.targets[0];
    if (first === undefined) throw new Error(`delivery ${request.deliveryKey} has no channel to go to`);
    const delivery = await this.begin(request, first.channelId);
    if (settled(delivery)) {
      this.count(request, 'duplicate');
      return { status: 'duplicate', delivery };
    }
    const refusals: string[] = [];
    for (const target of request.targets) {
      let messageId: string;
      try {
        ({ id: messageId } = await this.deps.bot.createMessage(target.channelId, {
          ...request.message,
          nonce: delivery.nonce,
        }));
      } catch (error) {
        const reaction = await this.handleFailure(request, delivery, target, error);
        if (reaction.kind === 'stop') return { status: 'failed', reason: reaction.reason };
        refusals.push(reaction.reason);
        continue;
      }
      await this.sent(request, delivery, target, messageId);
      return { status: 'sent', channelId: target.channelId, messageId };
    }
    const reason = refusals.join(' ');
    await this.failed(request, delivery, reason);
    return { status: 'failed', reason };
  }

  /**
   * Records that nothing is posted for this key in this guild (a toggle off, no channel set), unless an
   * earlier run settled it. Returns the job's skipped outcome.
   */
  async skip(
    request: Pick<DeliveryRequest, 'merchantId' | 'guildId' | 'deliveryKey' | 'kind'>,
    channelId: string | null,
    reason: string,
  ): Promise<JobSkipped> {
    const delivery = await this.begin(request, channelId);
    if (settled(delivery)) {
      this.count(request, 'duplicate');
      return { status: 'skipped', reason: `already ${delivery.status}` };
    }
    // A failed delivery keeps its failure on record: the dashboard shows why nothing was posted.
    if (delivery.status === 'sending')
      await this.deps.repositories.notificationDeliveries.finish(delivery.id, 'skipped', { error: reason });
    this.count(request, 'skipped');
    return { status: 'skipped', reason };
  }

  private begin(
    request: Pick<DeliveryRequest, 'merchantId' | 'guildId' | 'deliveryKey' | 'kind'>,
    channelId: string | null,
  ): Promise<NotificationDelivery> {
    return this.deps.repositories.notificationDeliveries.begin({
      merchantId: request.merchantId,
      guildId: request.guildId,
      deliveryKey: request.deliveryKey,
      kind: request.kind,
      channelId,
      nonce: newNonce(),
    });
  }

  private async sent(
    request: DeliveryRequest,
    delivery: NotificationDelivery,
    target: ChannelTarget,
    messageId: string,
  ): Promise<void> {
    const repos = this.deps.repositories;
    await repos.notificationDeliveries.finish(delivery.id, 'sent', { messageId });
    await repos.auditLog.add([
      this.audit(request, 'notification.sent', `${request.subject} posted in the ${target.purpose} channel`, {
        channelId: target.channelId,
        messageId,
      }),
    ]);
    // Discord took a post in this channel again: a broken-channel alert about it is over.
    await repos.merchantAlerts.resolve(request.guildId, CHANNEL_BROKEN_ALERT, target.channelId);
    this.count(request, 'sent');
  }

  private async failed(
    request: DeliveryRequest,
    delivery: NotificationDelivery,
    reason: string,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const repos = this.deps.repositories;
    await repos.notificationDeliveries.finish(delivery.id, 'failed', { error: reason });
    await repos.auditLog.add([
      this.audit(request, 'notification.failed', `${request.subject} not posted: ${reason}`, detail),
    ]);
    this.count(request, 'failed');
  }

  /**
   * Reacts to a failed post: `refused` when Discord refused the channel (the next one is tried), `stop`
   * when the delivery failed for good without being a bug; throws in the class the worker understands
   * otherwise (rate limited, retryable, permanent).
   */
  private async handleFailure(
    request: DeliveryRequest,
    delivery: NotificationDelivery,
    target: ChannelTarget,
    error: unknown,
  ): Promise<{ kind: 'refused' | 'stop'; reason: string }> {
    const failure = classified(error);
    const code = error instanceof DiscordRequestError ? error.code : null;
    const message = error instanceof Error ? error.message : String(error);
    switch (failure.kind) {
      case 'needs_merchant_action':
        switch (failure.code) {
          case 'unknown_channel':
          case 'missing_access':
          case 'missing_permissions':
          case 'channel_not_text':
            return { kind: 'refused', reason: await this.channelRefused(request, target, failure.fix, code) };
          case 'unknown_role':
            break;
        }
        break;
      case 'guild_gone': {
        await this.deps.repositories.discordGuilds.markRemoved(request.guildId, this.deps.now());
        const reason = 'The bot is no longer in the server.';
        await this.failed(request, delivery, reason, { channelId: target.channelId, code });
        return { kind: 'stop', reason };
      }
      case 'rate_limited':
        this.count(request, 'rate_limited');
        throw new RateLimitedJobError(failure.retryAfterMs, `Discord rate limit (${failure.scope})`, {
          cause: error,
        });
      case 'retryable':
        if (request.lastAttempt) {
          await this.failed(request, delivery, `Discord kept failing: ${message}`, {
            channelId: target.channelId,
            code,
          });
        } else {
          this.count(request, 'retry');
        }
        // Thrown as it is: BullMQ retries with backoff, and the retry posts with the same nonce.
        throw error as DiscordRequestError;
      case 'pending':
      case 'blocked':
      case 'token_invalid':
      case 'user_at_guild_cap':
      case 'bug':
        break;
    }
    await this.failed(request, delivery, message, { channelId: target.channelId, code });
    throw new PermanentJobError(`notification ${request.deliveryKey} failed: ${message}`, { cause: error });
  }

  /**
   * Discord refused the channel itself: notifications to it stop until the merchant fixes it, and the
   * merchant is told once (the alert opens once however many notifications hit the channel).
   */
  private async channelRefused(
    request: DeliveryRequest,
    target: ChannelTarget,
    fix: string,
    code: number | null,
  ): Promise<string> {
    const repos = this.deps.repositories;
    await repos.discordGuilds.markChannelBroken(request.guildId, target.channelId, fix);
    const refusal = `Discord refused posts in the ${target.purpose} notification channel (${target.channelId}${code === null ? '' : `, code ${code}`}): ${fix}`;
    await repos.merchantAlerts.raise(
      request.merchantId,
      request.guildId,
      CHANNEL_BROKEN_ALERT,
      target.channelId,
      refusal,
    );
    return refusal;
  }

  private audit(
    request: DeliveryRequest,
    kind: 'notification.sent' | 'notification.failed',
    reason: string,
    detail: Record<string, unknown>,
  ): NewAuditLogEntry {
    return {
      merchantId: request.merchantId,
      guildId: request.guildId,
      discordUserId: request.discordUserId ?? null,
      roleId: null,
      kind,
      reason,
      detail: { ...request.detail, ...detail, deliveryKey: request.deliveryKey, notification: request.kind },
    };
  }

  private count(request: Pick<DeliveryRequest, 'kind'>, outcome: DeliveryOutcome): void {
    this.deps.onOutcome?.(request.kind, outcome);
  }
}

function classified(error: unknown): DiscordErrorClass {
  // createMessage wraps every REST failure; anything else it throws (a malformed id) is our bug.
  return error instanceof DiscordRequestError ? error.classification : { kind: 'bug', reason: 'unexpected' };
}
