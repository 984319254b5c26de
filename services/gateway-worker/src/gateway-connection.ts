import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordAPIError, REST } from '@discordjs/rest';
import {
  WebSocketManager,
  WebSocketShardEvents,
  WebSocketShardStatus,
  type CreateWebSocketManagerOptions,
  type IIdentifyThrottler,
  type SessionInfo,
} from '@discordjs/ws';
import {
  GatewayCloseCodes,
  GatewayIntentBits,
  type APIGatewayBotInfo,
  type GatewayDispatchPayload,
} from 'discord-api-types/v10';
import type { Logger } from '@inflow/service-runtime';
import type { GatewayMetrics } from './gateway-metrics';

/** GUILDS (guild and role events) and GUILD_MEMBERS (member events; privileged): 3. */
export const GATEWAY_INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers;

/**
 * Close codes after which reconnecting cannot help, with what a person has to change. @discordjs/ws
 * does not reconnect after them either; the connection reports them and waits for a restart.
 */
const FATAL_CLOSES: ReadonlyMap<number, string> = new Map([
  [
    GatewayCloseCodes.AuthenticationFailed,
    'Discord rejected the bot token (gateway close 4004): set DISCORD_BOT_TOKEN to the token shown under ' +
      'Bot > Reset Token in the Discord Developer Portal',
  ],
  [
    GatewayCloseCodes.DisallowedIntents,
    'Discord refused the Server Members intent (gateway close 4014): enable "Server Members Intent" under ' +
      'Bot > Privileged Gateway Intents in the Discord Developer Portal, then restart the gateway-worker',
  ],
  [
    GatewayCloseCodes.InvalidShard,
    'Discord refused the shard (gateway close 4010): SHARD_IDS must be below SHARD_COUNT',
  ],
  [
    GatewayCloseCodes.ShardingRequired,
    'Discord requires more shards (gateway close 4011): raise SHARD_COUNT, or unset it to use the recommended count',
  ],
  [GatewayCloseCodes.InvalidAPIVersion, 'Discord refused the gateway version (gateway close 4012)'],
  [GatewayCloseCodes.InvalidIntents, 'Discord refused the intents (gateway close 4013)'],
]);

const MAX_RETRY_DELAY_MS = 60_000;

/** Why the connection stopped for good. */
export interface GatewayFailure {
  /** The gateway close code, or null when Discord refused before any connection (401 on /gateway/bot). */
  closeCode: number | null;
  /** What happened and what to change. */
  message: string;
}

/** Options of {@link GatewayConnection}. */
export interface GatewayConnectionOptions {
  /** The bot token (`DISCORD_BOT_TOKEN`). */
  token: string;
  /** REST base without version (`DISCORD_API_URL`), where `GET /gateway/bot` is read. */
  apiBaseUrl: string;
  /** `DISCORD_GATEWAY_URL`: when set, connect there instead of asking `GET /gateway/bot`. */
  gatewayUrl?: string | undefined;
  /** Shards across every replica (`SHARD_COUNT`); unset: Discord's recommendation. */
  shardCount?: number | undefined;
  /** This replica's shards (`SHARD_IDS`); unset: all of them. */
  shardIds?: readonly number[] | undefined;
  /** Receives every dispatch, in order per shard. */
  onDispatch: (payload: GatewayDispatchPayload, shardId: number) => void;
  logger: Logger;
  metrics: Pick<GatewayMetrics, 'events' | 'shardReady' | 'reconnects' | 'closes'>;
  /** First wait before trying to start again after a failure that may pass (network, 5xx); doubles up to 60 s. Default 1000 ms. */
  retryDelayMs?: number;
  /** Paces identifies. Default @discordjs/ws's: one per 5 s per `max_concurrency` bucket, as Discord requires. */
  identifyThrottler?: IIdentifyThrottler;
}

/**
 * A manager whose gateway information is fixed rather than read from `GET /gateway/bot`: for a
 * `DISCORD_GATEWAY_URL` override (a gateway proxy, the emulator), which need not serve that route.
 */
class FixedGatewayManager extends WebSocketManager {
  constructor(
    options: CreateWebSocketManagerOptions,
    private readonly fixedInformation: APIGatewayBotInfo,
  ) {
    super(options);
  }

  override fetchGatewayInformation(): Promise<APIGatewayBotInfo> {
    return Promise.resolve(this.fixedInformation);
  }
}

/**
 * The Discord gateway connection of one replica: its shards (`SHARD_IDS` of `SHARD_COUNT`), resumed
 * after a dropped connection by @discordjs/ws, with a readiness check that passes while every owned
 * shard is READY or RESUMED. After a close that no reconnect can fix (bad token, disallowed intents)
 * it logs one line saying what to change, stops, and keeps readiness failing: the process does not
 * crash-loop, and the orchestrator shows it as not ready.
 */
export class GatewayConnection {
  private readonly manager: WebSocketManager;
  private readonly logger: Logger;
  private readonly metrics: GatewayConnectionOptions['metrics'];
  private readonly retryDelayMs: number;
  private readonly sessions = new Map<number, SessionInfo>();
  private readonly everReady = new Set<number>();
  private readonly stopRetrying = new AbortController();
  private ownedShards: number[] | undefined;
  private failure: GatewayFailure | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: GatewayConnectionOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    if (!(this.retryDelayMs > 0)) throw new RangeError(`retryDelayMs must be > 0, got ${this.retryDelayMs}`);
    const rest = new REST({ api: options.apiBaseUrl, version: '10' }).setToken(options.token);
    const managerOptions: CreateWebSocketManagerOptions = {
      token: options.token,
      intents: GATEWAY_INTENTS,
      rest,
      shardCount: options.shardCount ?? null,
      shardIds: options.shardIds === undefined ? null : [...options.shardIds],
      // The library's default session store is shared by every manager in the process.
      retrieveSessionInfo: (shardId) => this.sessions.get(shardId) ?? null,
      updateSessionInfo: (shardId, info) => {
        if (info === null) this.sessions.delete(shardId);
        else this.sessions.set(shardId, info);
      },
      ...(options.identifyThrottler === undefined
        ? {}
        : { buildIdentifyThrottler: () => options.identifyThrottler as IIdentifyThrottler }),
    };
    this.manager =
      options.gatewayUrl === undefined
        ? new WebSocketManager(managerOptions)
        : new FixedGatewayManager(managerOptions, {
            url: options.gatewayUrl,
            shards: options.shardCount ?? 1,
            // Unknown without GET /gateway/bot; whoever serves the URL enforces its own session limits.
            session_start_limit: {
              total: Number.MAX_SAFE_INTEGER,
              remaining: Number.MAX_SAFE_INTEGER,
              reset_after: 0,
              max_concurrency: 1,
            },
          });
    this.listen(options.onDispatch);
  }

  /** Why the connection stopped for good, if it did. */
  get failed(): GatewayFailure | undefined {
    return this.failure;
  }

  /**
   * Connects in the background, so that the process serves /healthz and /readyz meanwhile. A start
   * that fails for a reason that may pass (Discord or the network down) is tried again with backoff.
   */
  start(): void {
    this.starting ??= this.connectUntilStarted();
  }

  /** The readiness check: resolves while every owned shard is READY, rejects saying which are not and why. */
  async readiness(): Promise<void> {
    if (this.failure !== undefined) throw new Error(this.failure.message);
    if (this.closing !== undefined) throw new Error('gateway connection closing');
    const owned = this.ownedShards;
    if (owned === undefined) throw new Error('connecting to the Discord gateway');
    const statuses = await this.manager.fetchStatus();
    const waiting = owned.flatMap((shardId) => {
      const status = statuses.get(shardId) ?? WebSocketShardStatus.Idle;
      return status === WebSocketShardStatus.Ready ? [] : [`${shardId} ${WebSocketShardStatus[status]}`];
    });
    if (waiting.length > 0) throw new Error(`shards not ready: ${waiting.join(', ')}`);
  }

  /** Closes every shard (close code 1000) and stops any retry. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopRetrying.abort();
      // Not awaiting `starting`: a connect waiting for READY never settles once its shard is destroyed.
      await this.manager.destroy({ code: 1000, reason: 'gateway-worker shutting down' });
      for (const shardId of this.ownedShards ?? []) this.metrics.shardReady.set({ shard: shardId }, 0);
    })();
    return this.closing;
  }

  private async connectUntilStarted(): Promise<void> {
    let delayMs = this.retryDelayMs;
    while (this.closing === undefined && this.failure === undefined) {
      try {
        const owned = await this.manager.getShardIds();
        this.ownedShards = [...owned];
        for (const shardId of owned) this.metrics.shardReady.set({ shard: shardId }, 0);
        this.logger.info(
          { shardIds: owned, shardCount: await this.manager.getShardCount() },
          'connecting to the Discord gateway',
        );
        await this.manager.connect();
        return;
      } catch (error) {
        // A fatal close was already reported when it arrived; a shutdown needs no retry.
        if (this.closing !== undefined || this.failure !== undefined) return;
        const failure = fatalStartFailure(error);
        if (failure !== undefined) {
          this.fail(failure, {});
          return;
        }
        this.logger.warn(
          { err: error, retryInMs: delayMs },
          'could not connect to the Discord gateway; trying again',
        );
        try {
          await sleep(delayMs, undefined, { signal: this.stopRetrying.signal });
        } catch {
          return;
        }
        delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  private fail(failure: GatewayFailure, context: Record<string, unknown>): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    this.logger.error({ ...context, closeCode: failure.closeCode }, `${failure.message}; not reconnecting`);
  }

  private listen(onDispatch: GatewayConnectionOptions['onDispatch']): void {
    const { manager, logger, metrics } = this;
    manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) => {
      metrics.events.inc({ type: payload.t });
      onDispatch(payload, shardId);
    });
    manager.on(WebSocketShardEvents.Ready, (data, shardId) => {
      metrics.shardReady.set({ shard: shardId }, 1);
      if (this.everReady.has(shardId)) metrics.reconnects.inc({ shard: shardId, kind: 'identify' });
      this.everReady.add(shardId);
      logger.info({ shardId, guilds: data.guilds.length, botUserId: data.user.id }, 'gateway shard ready');
    });
    manager.on(WebSocketShardEvents.Resumed, (shardId) => {
      metrics.shardReady.set({ shard: shardId }, 1);
      metrics.reconnects.inc({ shard: shardId, kind: 'resume' });
      logger.info({ shardId }, 'gateway shard resumed');
    });
    manager.on(WebSocketShardEvents.Closed, (code, shardId) => {
      metrics.shardReady.set({ shard: shardId }, 0);
      metrics.closes.inc({ shard: shardId, code });
      const fatal = FATAL_CLOSES.get(code);
      if (fatal !== undefined) {
        this.fail({ closeCode: code, message: fatal }, { shardId });
      } else if (this.closing === undefined) {
        // 4200 is the library closing to resume by itself (Discord's RECONNECT, a missed heartbeat ack).
        const level = code === 4200 ? 'info' : 'warn';
        logger[level]({ shardId, closeCode: code }, 'gateway connection closed; reconnecting');
      }
    });
    manager.on(WebSocketShardEvents.Error, (error, shardId) => {
      // A fatal close's error repeats what fail() already said.
      if (this.failure === undefined) logger.error({ err: error, shardId }, 'gateway shard error');
    });
    manager.on(WebSocketShardEvents.SocketError, (error, shardId) => {
      logger.debug({ err: error, shardId }, 'gateway socket error');
    });
    manager.on(WebSocketShardEvents.Debug, (message, shardId) => logger.trace({ shardId }, message));
  }
}

/** A start failure no retry can fix: Discord refusing the token before any gateway connection. */
function fatalStartFailure(error: unknown): GatewayFailure | undefined {
  if (error instanceof DiscordAPIError && error.status === 401) {
    return {
      closeCode: null,
      message:
        'Discord rejected the bot token (401 on GET /gateway/bot): set DISCORD_BOT_TOKEN to the token ' +
        'shown under Bot > Reset Token in the Discord Developer Portal',
    };
  }
  return undefined;
}
