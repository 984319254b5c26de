import { type SessionInfo, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { WebSocket } from 'ws';
import { type DiscordEmulator } from '../emulator';
import { botRest, eventually } from './fixtures';

export interface ReceivedDispatch {
  t: string;
  s: number;
  d: Record<string, unknown>;
  shardId: number;
}

/** A real @discordjs/ws manager against the emulator, recording what it receives. */
export interface GatewayClient {
  manager: WebSocketManager;
  dispatches: ReceivedDispatch[];
  closes: { code: number; shardId: number }[];
  /** Errors the manager emitted (it rejects connect() with the same ones). */
  errors: Error[];
  heartbeats: number;
  resumed: number;
  /** Dispatches of one type, optionally for one guild. */
  of(t: string, guildId?: string): ReceivedDispatch[];
  waitFor(
    t: string,
    predicate?: (dispatch: ReceivedDispatch) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedDispatch>;
  destroy(): Promise<void>;
}

export function gatewayClient(
  emulator: DiscordEmulator,
  options: { intents: number; token?: string; shardCount?: number; shardIds?: number[] },
): GatewayClient {
  // A session store per client: the default one is process-wide and would leak sessions between tests.
  const sessions = new Map<number, SessionInfo>();
  const manager = new WebSocketManager({
    token: options.token ?? emulator.botToken,
    intents: options.intents,
    rest: botRest(emulator),
    shardCount: options.shardCount ?? null,
    shardIds: options.shardIds ?? null,
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
    // The emulator's identify limit is relaxed in tests; skip the client's own 5 s wait as well.
    buildIdentifyThrottler: () => ({ waitForIdentify: () => Promise.resolve() }),
  });
  const client: GatewayClient = {
    manager,
    dispatches: [],
    closes: [],
    errors: [],
    heartbeats: 0,
    resumed: 0,
    of: (t, guildId) =>
      client.dispatches.filter(
        (dispatch) =>
          dispatch.t === t &&
          (guildId === undefined || dispatch.d.guild_id === guildId || dispatch.d.id === guildId),
      ),
    async waitFor(t, predicate = () => true, timeoutMs = 5000) {
      let found: ReceivedDispatch | undefined;
      await eventually(
        () => {
          found = client.dispatches.find((dispatch) => dispatch.t === t && predicate(dispatch));
          return found !== undefined;
        },
        timeoutMs,
        `dispatch ${t}`,
      );
      return found!;
    },
    async destroy() {
      await manager.destroy();
    },
  };
  manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) => {
    client.dispatches.push({
      t: payload.t,
      s: payload.s,
      d: payload.d as unknown as Record<string, unknown>,
      shardId,
    });
  });
  manager.on(WebSocketShardEvents.Closed, (code, shardId) => client.closes.push({ code, shardId }));
  manager.on(WebSocketShardEvents.Error, (error) => client.errors.push(error));
  manager.on(WebSocketShardEvents.HeartbeatComplete, () => {
    client.heartbeats += 1;
  });
  manager.on(WebSocketShardEvents.Resumed, () => {
    client.resumed += 1;
  });
  return client;
}

/** A bare WebSocket for protocol edges @discordjs/ws never produces (bad shards, out-of-order opcodes). */
export async function rawGateway(
  emulator: DiscordEmulator,
  query = '?v=10&encoding=json',
): Promise<{
  socket: WebSocket;
  messages: { op: number; t: string | null; d: unknown }[];
  closed: Promise<{ code: number; reason: string }>;
}> {
  const socket = new WebSocket(`${emulator.gatewayUrl}${query}`);
  const messages: { op: number; t: string | null; d: unknown }[] = [];
  socket.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]),
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed };
}
