import { callApi } from './api-client';
import type { PlannedEvent } from './event-plan';

/** How the api took a run of merchant events, sent as a merchant backend would (retrying what it may). */
export interface TrafficResult {
  /** Events delivered (each counted once, however many tries it took). */
  delivered: number;
  /** 202: recorded now. */
  accepted: number;
  /** 200: a repeat of an event recorded before. */
  repeats: number;
  /** Tries after a 503, another 5xx, a 429 or no answer. */
  retries: number;
  /** 503 answers, and the slowest of them (a down dependency must be told quickly). */
  unavailable: number;
  slowestUnavailableMs: number;
  /** 5xx other than 503: never expected. */
  serverErrors: Array<{ id: string; status: number; text: string }>;
  /** Tries that got no answer at all (reset, refused, or 15 s without one). */
  unanswered: number;
  /** 4xx other than 429: never expected for these well-formed events. */
  rejected: Array<{ id: string; status: number; text: string }>;
  /** Events still not taken after two minutes of retries. */
  abandoned: string[];
  /** When the last event was taken. */
  finishedAt: number;
}

export interface RunningTraffic {
  done: Promise<TrafficResult>;
  /** Resolves once this share (0..1) of the events was delivered. */
  reached(share: number): Promise<void>;
}

const GIVE_UP_AFTER_MS = 120_000;

function retryDelayMs(status: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds * 1000, 2_000);
  return status === 0 ? 500 : 250;
}

/**
 * Sends the events spread evenly over `durationMs`, `concurrency` at a time, each retried until the api
 * takes it (202 or 200), as a merchant's webhook sender does on 5xx, 429 and network errors.
 */
export function startTraffic(
  port: number,
  apiKey: string,
  events: readonly PlannedEvent[],
  options: { durationMs: number; concurrency?: number },
): RunningTraffic {
  const result: TrafficResult = {
    delivered: 0,
    accepted: 0,
    repeats: 0,
    retries: 0,
    unavailable: 0,
    slowestUnavailableMs: 0,
    serverErrors: [],
    unanswered: 0,
    rejected: [],
    abandoned: [],
    finishedAt: 0,
  };
  const started = Date.now();
  const spacingMs = events.length === 0 ? 0 : options.durationMs / events.length;
  let next = 0;
  let handled = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const settle = () => {
    handled += 1;
    for (const waiter of [...waiters]) {
      if (handled >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const deliver = async (event: PlannedEvent): Promise<void> => {
    const body = JSON.stringify(event.body);
    const firstTry = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) result.retries += 1;
      const answer = await callApi(port, {
        method: 'POST',
        path: '/events',
        headers: { 'x-inflow-api-key': apiKey, 'content-type': 'application/json' },
        body,
      });
      if (answer.status === 202 || answer.status === 200) {
        result.delivered += 1;
        if (answer.status === 202) result.accepted += 1;
        else result.repeats += 1;
        return;
      }
      if (answer.status === 503) {
        result.unavailable += 1;
        result.slowestUnavailableMs = Math.max(result.slowestUnavailableMs, answer.ms);
      } else if (answer.status >= 500) {
        result.serverErrors.push({ id: event.id, status: answer.status, text: answer.text.slice(0, 300) });
      } else if (answer.status === 0) {
        result.unanswered += 1;
      } else if (answer.status !== 429) {
        result.rejected.push({ id: event.id, status: answer.status, text: answer.text.slice(0, 300) });
        return;
      }
      if (Date.now() - firstTry > GIVE_UP_AFTER_MS) {
        result.abandoned.push(event.id);
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, retryDelayMs(answer.status, answer.headers.get('retry-after'))),
      );
    }
  };

  const lane = async (): Promise<void> => {
    for (;;) {
      const index = next;
      next += 1;
      const event = events[index];
      if (event === undefined) return;
      const due = started + index * spacingMs;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      await deliver(event);
      settle();
    }
  };

  const done = Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, () => lane())).then(
    () => {
      result.finishedAt = Date.now();
      return result;
    },
  );
  return {
    done,
    reached: (share) => {
      const count = Math.ceil(share * events.length);
      if (handled >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}
