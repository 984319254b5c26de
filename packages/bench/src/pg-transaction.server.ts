import express from 'express';
import { Pool } from 'pg';

/**
 * The second peer of the ingest scenario, the one issue 9 names for scale: a plain express 5 handler doing
 * one Postgres transaction of four statements per event (upsert the customer, upsert the subscription,
 * record the event, write an outbox row), on a pool as large as the api's. No authentication, rate limit,
 * validation, idempotency or relay: what one transaction per request costs on this machine, so the api's
 * figure can be read against it. Started as its own process (`node … pg-transaction.server.ts <port>
 * <database url>`), on tables of its own schema in the bench's database.
 */
const port = Number(process.argv[2]);
const databaseUrl = process.argv[3];
if (!Number.isInteger(port) || port < 1 || port > 65_535 || databaseUrl === undefined) {
  console.error('usage: pg-transaction.server.ts <port> <database url>');
  process.exit(64);
}

const SCHEMA = `
  CREATE SCHEMA IF NOT EXISTS plain_peer;
  CREATE TABLE IF NOT EXISTS plain_peer.customer (
    id bigserial PRIMARY KEY, external_id text NOT NULL UNIQUE, email text);
  CREATE TABLE IF NOT EXISTS plain_peer.subscription (
    id bigserial PRIMARY KEY, external_id text NOT NULL UNIQUE, customer_id bigint NOT NULL,
    status text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS plain_peer.event (
    id bigserial PRIMARY KEY, external_id text NOT NULL UNIQUE, type text NOT NULL, body jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS plain_peer.outbox (
    id bigserial PRIMARY KEY, payload jsonb NOT NULL, published_at timestamptz);`;

interface PeerEvent {
  id: string;
  type: string;
  subscription: { id: string; status: string; customer: { id: string; email?: string | null } };
}

const pool = new Pool({ connectionString: databaseUrl, max: 10 });
const app = express();
app.get('/healthz', (_request, response) => {
  response.send('ok');
});
app.use(express.json({ limit: '64kb' }));
app.post('/events', async (request, response) => {
  const event = request.body as PeerEvent;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const customer = await client.query<{ id: string }>(
      `INSERT INTO plain_peer.customer (external_id, email) VALUES ($1, $2)
       ON CONFLICT (external_id) DO UPDATE SET email = coalesce(excluded.email, customer.email) RETURNING id`,
      [event.subscription.customer.id, event.subscription.customer.email ?? null],
    );
    const subscription = await client.query<{ id: string }>(
      `INSERT INTO plain_peer.subscription (external_id, customer_id, status) VALUES ($1, $2, $3)
       ON CONFLICT (external_id) DO UPDATE SET status = excluded.status, updated_at = now() RETURNING id`,
      [event.subscription.id, customer.rows[0]!.id, event.subscription.status],
    );
    await client.query('INSERT INTO plain_peer.event (external_id, type, body) VALUES ($1, $2, $3)', [
      event.id,
      event.type,
      event,
    ]);
    await client.query('INSERT INTO plain_peer.outbox (payload) VALUES ($1)', [
      { eventId: event.id, subscriptionId: subscription.rows[0]!.id },
    ]);
    await client.query('COMMIT');
    response.status(202).json({ id: event.id, status: 'accepted' });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    console.error(error);
    response.status(500).end();
  } finally {
    client.release();
  }
});

void pool.query(SCHEMA).then(
  () => {
    const server = app.listen(port, '127.0.0.1');
    process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
