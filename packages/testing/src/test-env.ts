/**
 * Where the tests find Postgres and Redis, and the run's identity. The global setup sets the run id and
 * template name in the environment so that every Jest worker (a child process) sees the same values.
 */
export const testEnv = {
  get postgresUrl(): string {
    return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  },
  get redisUrl(): string {
    return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  },
  get runId(): string {
    const id = process.env.INFLOW_TEST_RUN_ID;
    if (id === undefined) throw new Error('INFLOW_TEST_RUN_ID is unset: run integration tests through Jest');
    return id;
  },
  get templateDatabase(): string {
    return `inflow_t_${this.runId}_template`;
  },
  get workerId(): string {
    return process.env.JEST_WORKER_ID ?? '0';
  },
  setRun(id: string): void {
    process.env.INFLOW_TEST_RUN_ID = id;
  },
};

/** A URL for `database` on the test server. */
export function databaseUrl(database: string): string {
  const url = new URL(testEnv.postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
