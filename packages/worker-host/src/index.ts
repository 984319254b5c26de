export { runWorkerService, type WorkerHost } from './run-worker-service';
export { workerEnvFields, type WorkerEnv } from './worker-env';
export { openDiscordBot, type DiscordBotEnv } from './discord-bot';
