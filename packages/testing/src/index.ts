export { createTestDatabase, createEmptyDatabase, dropDatabase, type TestDatabase } from './test-database';
export { uniqueRedisPrefix, deleteRedisKeys } from './redis-prefix';
export { testEnv, databaseUrl } from './test-env';
export {
  freePort,
  freePortRange,
  httpGet,
  repoRoot,
  startNode,
  typeScriptExecArgv,
  waitForStatus,
  type RunningProcess,
} from './processes';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { eventually } from './eventually';
export { maxInWindow } from './busiest-window';
