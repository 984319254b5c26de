/** The five services `pnpm start` runs, in start order, each on its own port from PORT_BASE. */
export const SERVICES = [
  { name: 'api', entry: '@inflow/api/dist/main.js', portOffset: 0 },
  { name: 'gateway-worker', entry: '@inflow/gateway-worker/dist/main.js', portOffset: 1 },
  { name: 'role-sync-worker', entry: '@inflow/role-sync-worker/dist/main.js', portOffset: 2 },
  { name: 'notification-worker', entry: '@inflow/notification-worker/dist/main.js', portOffset: 3 },
  { name: 'cleanup-worker', entry: '@inflow/cleanup-worker/dist/main.js', portOffset: 4 },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];
