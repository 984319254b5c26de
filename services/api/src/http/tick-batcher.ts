/**
 * Gathers the calls made during one turn of the event loop and runs them as one batch (one database
 * query, one Redis round trip) at the end of it. Under load, many requests are parsed in one turn, so
 * their per-request lookups share a round trip; an idle process runs a lone call one turn later.
 * `run` answers the requests in order; if it throws, every call of the batch rejects with its error.
 */
export class TickBatcher<Request, Result> {
  private pending: Array<{
    request: Request;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(private readonly run: (requests: readonly Request[]) => Promise<readonly Result[]>) {}

  load(request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ request, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await this.run(batch.map((call) => call.request));
      if (results.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
      }
      batch.forEach((call, i) => call.resolve(results[i]!));
    } catch (error) {
      for (const call of batch) call.reject(error);
    }
  }
}
