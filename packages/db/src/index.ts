export { Database, type Repositories } from './database';
export type { DataSourceOptions } from './data-source';
export type { MigrationStatus } from './migrator';
export { ensureDatabaseExists } from './ensure-database';
export * from './entities';
export { type ApiKeyOwner } from './repositories/api-key.repository';
export { type NewApiKey } from './repositories/merchant.repository';
export { type NewOutboxRow, type PendingOutboxRow } from './repositories/outbox.repository';
