/**
 * V8 heap settings of the worker processes. A worker's pace is set by Discord's rate limits, not by its
 * CPU, so it trades a little garbage-collection time for memory: semi-spaces of at most 4 MB (V8's default
 * grows them to 16 MB under a steady stream of jobs), and an old generation that grows 25 % past what the
 * last full collection kept before the next one (V8 otherwise lets it reach several times that, and
 * a worker that has just drained a backlog holds that garbage). Measured in `pnpm bench` (scenario 6): the
 * role-sync worker right after a 3,000-change drain at 124–130 MB instead of 155–189 MB (its live heap is
 * about 43 MB), for 0.15–0.18 cores during the drain instead of 0.13–0.16.
 * The api keeps V8's defaults: ingest throughput is CPU-bound.
 */
const WORKER_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=25'];

/**
 * The node flags a service runs with, wherever it is started: the image's entrypoint
 * (infra/docker/entrypoint.sh, checked against this by packages/infra-tests), `pnpm start`, the bench and
 * the end-to-end tests. Stack traces point at the TypeScript sources.
 */
export function serviceNodeFlags(service: string): string[] {
  return ['--enable-source-maps', ...(service === 'api' ? [] : WORKER_HEAP_FLAGS)];
}
