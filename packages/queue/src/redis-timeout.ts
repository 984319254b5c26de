/**
 * Settles as `promise` does, or rejects once `ms` have passed without an answer: for the Redis calls that
 * must not hold up their caller (the limiters fail over or fail open instead). The call that loses the race
 * may settle later; that never becomes an unhandled rejection. A plain timer, cleared when the answer comes:
 * a cancelled AbortSignal timer builds a DOMException with its stack, which showed in the role-sync
 * worker's CPU profile at one per Discord request.
 */
export async function withRedisTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
