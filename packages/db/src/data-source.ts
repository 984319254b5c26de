import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Options for {@link createDataSource}. */
export interface DataSourceOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Shown in `pg_stat_activity`, e.g. the service name. */
  applicationName?: string;
  /** Pool size for this process. Default 10. */
  poolSize?: number;
  /**
   * How long to wait for a connection from Postgres (or the pool) before failing. Kept short so a request
   * answers 503 quickly while Postgres is down instead of hanging. Default 1000 ms.
   */
  connectTimeoutMs?: number;
  /** Limit for one statement, enforced by the client (works behind PgBouncer). Default 15 000 ms. */
  statementTimeoutMs?: number;
}

/**
 * The Postgres data source every process uses. Never `synchronize`: the schema is what the migrations
 * say. Nothing here keeps session state across statements (no prepared statement names, no session
 * settings beyond connection options), so a transaction-mode pooler such as PgBouncer works in front.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName ?? 'inflow',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    connectTimeoutMS: options.connectTimeoutMs ?? 1000,
    poolSize: options.poolSize ?? 10,
    extra: {
      // Client-side: a statement timeout sent as a startup parameter is refused by PgBouncer in
      // transaction mode ("unsupported startup parameter"), so the deadline is enforced by pg itself.
      query_timeout: options.statementTimeoutMs ?? 15_000,
      // Without it a pool waits forever for a free client while Postgres hangs.
      connectionTimeoutMillis: options.connectTimeoutMs ?? 1000,
    },
    logging: false,
  });
}

/** Readiness check: one round trip, rejected when Postgres cannot answer. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  if (!dataSource.isInitialized) throw new Error('database connection not initialised');
  await dataSource.query('SELECT 1');
}
