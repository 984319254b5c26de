import type { SubscriptionStatus } from '../subscription-status';
import type { AccessSubscription } from './access-rule';

/** A subscription's stored state together with the event that set it. */
export interface SubscriptionState extends AccessSubscription {
  lastEventAt: Date;
  /** The merchant's id of the last applied event: breaks ties between events of the same instant. */
  lastEventId: string;
}

/** What an event says the subscription looks like after it. */
export interface SubscriptionEventFacts {
  eventId: string;
  occurredAt: Date;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** Whether `event` is newer than the one that produced `state`: later instant, or same instant and greater id. */
export function isNewerThan(event: SubscriptionEventFacts, state: SubscriptionState): boolean {
  const delta = event.occurredAt.getTime() - state.lastEventAt.getTime();
  return delta > 0 || (delta === 0 && event.eventId > state.lastEventId);
}

export interface AppliedEvent {
  state: SubscriptionState;
  /** False when the event was older than the last applied one: recorded, but the status did not move. */
  applied: boolean;
}

/**
 * The subscription's state after an event. An event older than the last applied one does not move the
 * status, period or flags (it is recorded only).
 *
 * `pastDueSince` is never earlier than the true start of the current arrears, whatever order events
 * arrive in, so the grace period can only lengthen: any error falls on the side of the customer keeping
 * access. It is the instant of the event that moved the subscription into PAST_DUE; a late,
 * older event showing the subscription was in good standing after that instant means the arrears
 * restarted later, at the latest by the newest past-due event.
 */
export function applySubscriptionEvent(
  state: SubscriptionState | null,
  event: SubscriptionEventFacts,
): AppliedEvent {
  if (state !== null && !isNewerThan(event, state)) {
    const restartedLater =
      state.status === 'PAST_DUE' &&
      event.status !== 'PAST_DUE' &&
      state.pastDueSince !== null &&
      event.occurredAt.getTime() >= state.pastDueSince.getTime();
    return { state: restartedLater ? { ...state, pastDueSince: state.lastEventAt } : state, applied: false };
  }
  const stillPastDue = state?.status === 'PAST_DUE' && event.status === 'PAST_DUE';
  return {
    state: {
      status: event.status,
      currentPeriodEnd: event.currentPeriodEnd,
      cancelAtPeriodEnd: event.cancelAtPeriodEnd,
      pastDueSince: event.status !== 'PAST_DUE' ? null : stillPastDue ? state.pastDueSince : event.occurredAt,
      lastEventAt: event.occurredAt,
      lastEventId: event.eventId,
    },
    applied: true,
  };
}
