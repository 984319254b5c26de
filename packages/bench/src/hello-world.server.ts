import express from 'express';

/**
 * The bare express 5 hello-world the ingest scenario compares the api with, in the same run on the same
 * machine: what this machine's node and express can answer at all, without a database. Started as its
 * own process (`node … hello-world.server.ts <port>`), like the api.
 */
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error('usage: hello-world.server.ts <port>');
  process.exit(64);
}
const app = express();
app.get('/', (_request, response) => {
  response.send('Hello World!');
});
const server = app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
