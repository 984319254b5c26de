import { type IncomingMessage } from 'node:http';
import { type Duplex } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { disallowedIntents, GatewayIntents, VALID_INTENTS } from '../discord/intents';
import { type GatewayFaultTarget } from '../faults/faults';
import { type GatewayBotInfo } from '../rest/rest-context';
import { toApiUser } from '../state/api-views';
import { type EmulatorState, type GuildDispatch } from '../state/emulator-state';
import {
  CloseCode,
  type GatewayClose,
  type GatewayPayload,
  MAX_GUILDS_PER_SHARD,
  Opcode,
  SEND_LIMIT,
  shardOf,
} from './gateway-protocol';
import { GatewaySession } from './gateway-session';

/** Options of the emulated gateway. */
export interface GatewayServerOptions {
  state: EmulatorState;
  botToken: string;
  /** The public `ws://…/gateway` URL, known once the HTTP server listens. */
  url: () => string;
  heartbeatIntervalMs: number;
  /** `shards` in GET /gateway/bot. */
  recommendedShards: number;
  /** Identify throttling: one identify per `intervalMs` per bucket `shard_id % maxConcurrency`. */
  identify: { maxConcurrency: number; intervalMs: number };
  /** Session starts allowed per 24 hours (`session_start_limit.total`). */
  sessionStartLimit: number;
  /** How long a session whose socket closed (other than with 1000/1001) can still be resumed. */
  resumeWindowMs: number;
  log: (line: string) => void;
  now: () => number;
}

interface Connection {
  ws: WebSocket;
  session: GatewaySession | null;
  /** After INVALID_SESSION with d: true the client may RESUME on the same socket. */
  mayResume: boolean;
  compress: boolean;
  heartbeatDeadline: NodeJS.Timeout | null;
  reconnectDeadline: NodeJS.Timeout | null;
  /** Payloads received in the current send-limit window. */
  received: { count: number; windowEndsAt: number };
}

const DAY_MS = 24 * 60 * 60 * 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Discord's gateway, v10 JSON: HELLO, heartbeats, IDENTIFY with token, intents and shard checks, READY
 * and GUILD_CREATE, state changes as dispatches routed by shard and intent, RESUME with replay, and
 * RECONNECT / INVALID_SESSION on demand. Transport compression and ETF are not served (the upgrade is
 * refused with 400); identify-level `compress` is.
 */
export class GatewayServer implements GatewayFaultTarget {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly connections = new Set<Connection>();
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly attached = new Map<GatewaySession, Connection>();
  private readonly lastIdentify = new Map<number, number>();
  private sessionStarts: { remaining: number; resetAt: number };
  private readonly unsubscribe: () => void;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: GatewayServerOptions) {
    this.sessionStarts = { remaining: options.sessionStartLimit, resetAt: options.now() + DAY_MS };
    this.unsubscribe = options.state.onDispatch((dispatch) => this.deliver(dispatch));
    this.sweeper = setInterval(() => this.sweepSessions(), 1000);
    this.sweeper.unref();
  }

  gatewayInfo(): GatewayBotInfo {
    const now = this.options.now();
    this.refreshSessionStarts(now);
    return {
      url: this.options.url(),
      shards: this.options.recommendedShards,
      session_start_limit: {
        total: this.options.sessionStartLimit,
        remaining: this.sessionStarts.remaining,
        reset_after: Math.max(0, this.sessionStarts.resetAt - now),
        max_concurrency: this.options.identify.maxConcurrency,
      },
    };
  }

  /** Open sockets and live sessions, for stats and assertions. */
  counts(): { connections: number; sessions: number } {
    return { connections: this.connections.size, sessions: this.sessions.size };
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    const refusal =
      encoding !== 'json'
        ? `encoding=${encoding} is not served by the emulator (json only)`
        : url.searchParams.has('compress')
          ? `compress=${url.searchParams.get('compress') ?? ''} (transport compression) is not served by the emulator`
          : null;
    if (refusal !== null) {
      this.options.log(`gateway: refused upgrade: ${refusal}`);
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal}`,
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, url.searchParams.get('v')));
  }

  // ---- fault target --------------------------------------------------------------------------------

  dropConnections(): number {
    const count = this.connections.size;
    for (const connection of this.connections) connection.ws.terminate();
    return count;
  }

  requestReconnect(): number {
    let count = 0;
    for (const connection of this.connections) {
      if (!connection.session) continue;
      this.send(connection, { op: Opcode.RECONNECT, d: null, s: null, t: null });
      // Discord drops the socket itself if the client does not go; 4000 leaves the session resumable.
      connection.reconnectDeadline = setTimeout(() => this.close(connection, CloseCode.UNKNOWN_ERROR), 5000);
      connection.reconnectDeadline.unref();
      count += 1;
    }
    return count;
  }

  invalidateSessions(resumable: boolean): number {
    let count = 0;
    for (const connection of this.connections) {
      const session = connection.session;
      if (!session) continue;
      if (resumable) {
        connection.mayResume = true;
      } else {
        this.forget(session);
        connection.session = null;
      }
      this.send(connection, { op: Opcode.INVALID_SESSION, d: resumable, s: null, t: null });
      count += 1;
    }
    return count;
  }

  /** Closes every socket (1001, going away) and stops; sessions are discarded. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.unsubscribe();
    for (const connection of this.connections) {
      this.clearTimers(connection);
      connection.ws.close(1001, 'Emulator stopping');
    }
    // Sockets that do not finish the closing handshake promptly are cut.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ---- connections ---------------------------------------------------------------------------------

  private accept(ws: WebSocket, version: string | null): void {
    const connection: Connection = {
      ws,
      session: null,
      mayResume: false,
      compress: false,
      heartbeatDeadline: null,
      reconnectDeadline: null,
      received: { count: 0, windowEndsAt: this.options.now() + SEND_LIMIT.windowMs },
    };
    this.connections.add(connection);
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    ws.on('close', (code) => this.onClose(connection, code));
    ws.on('error', (error) => this.options.log(`gateway: socket error: ${error.message}`));
    if (version !== '10') {
      this.close(connection, CloseCode.INVALID_API_VERSION);
      return;
    }
    this.send(connection, {
      op: Opcode.HELLO,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
    this.armHeartbeatDeadline(connection);
  }

  // A client that stops heartbeating is a zombie; Discord closes it and the session can be resumed.
  private armHeartbeatDeadline(connection: Connection): void {
    if (connection.heartbeatDeadline) clearTimeout(connection.heartbeatDeadline);
    connection.heartbeatDeadline = setTimeout(
      () => this.close(connection, CloseCode.SESSION_TIMED_OUT),
      this.options.heartbeatIntervalMs * 2 + 1000,
    );
    connection.heartbeatDeadline.unref();
  }

  private onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    const now = this.options.now();
    if (now >= connection.received.windowEndsAt) {
      connection.received = { count: 0, windowEndsAt: now + SEND_LIMIT.windowMs };
    }
    connection.received.count += 1;
    if (connection.received.count > SEND_LIMIT.payloads) {
      this.close(connection, CloseCode.RATE_LIMITED);
      return;
    }
    let payload: unknown;
    try {
      if (isBinary) throw new Error('binary frames are ETF or compressed, neither is accepted');
      payload = JSON.parse(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'),
      );
    } catch {
      this.close(connection, CloseCode.DECODE_ERROR);
      return;
    }
    if (!isRecord(payload) || typeof payload.op !== 'number') {
      this.close(connection, CloseCode.DECODE_ERROR);
      return;
    }
    switch (payload.op) {
      case Opcode.HEARTBEAT:
        this.armHeartbeatDeadline(connection);
        this.send(connection, { op: Opcode.HEARTBEAT_ACK, d: null, s: null, t: null });
        return;
      case Opcode.IDENTIFY:
        this.identify(connection, payload.d);
        return;
      case Opcode.RESUME:
        this.resume(connection, payload.d);
        return;
      case Opcode.PRESENCE_UPDATE:
      case Opcode.VOICE_STATE_UPDATE:
        // Accepted and without effect: the emulator models neither presences nor voice.
        if (!connection.session) this.close(connection, CloseCode.NOT_AUTHENTICATED);
        return;
      case Opcode.REQUEST_GUILD_MEMBERS:
        this.requestGuildMembers(connection, payload.d);
        return;
      default:
        this.close(connection, CloseCode.UNKNOWN_OPCODE);
    }
  }

  private onClose(connection: Connection, code: number): void {
    this.clearTimers(connection);
    this.connections.delete(connection);
    const session = connection.session;
    if (!session || this.attached.get(session) !== connection) return;
    this.attached.delete(session);
    // Closing with 1000 or 1001 ends the session; any other close leaves it resumable for a while.
    if (code === 1000 || code === 1001) this.forget(session);
    else session.detachedAt = this.options.now();
  }

  private identify(connection: Connection, data: unknown): void {
    if (connection.session) {
      this.close(connection, CloseCode.ALREADY_AUTHENTICATED);
      return;
    }
    if (!isRecord(data) || typeof data.token !== 'string' || !isRecord(data.properties)) {
      this.close(connection, CloseCode.DECODE_ERROR);
      return;
    }
    if (data.token !== this.options.botToken) {
      this.close(connection, CloseCode.AUTHENTICATION_FAILED);
      return;
    }
    if (typeof data.intents !== 'number' || !Number.isSafeInteger(data.intents) || data.intents < 0) {
      this.close(connection, CloseCode.INVALID_INTENTS);
      return;
    }
    const intents = BigInt(data.intents);
    if ((intents & ~VALID_INTENTS) !== 0n) {
      this.close(connection, CloseCode.INVALID_INTENTS);
      return;
    }
    if (disallowedIntents(intents, this.options.state.privilegedIntents) !== 0n) {
      this.close(connection, CloseCode.DISALLOWED_INTENTS);
      return;
    }
    const shard = data.shard ?? [0, 1];
    if (
      !Array.isArray(shard) ||
      shard.length !== 2 ||
      !shard.every((value) => Number.isSafeInteger(value)) ||
      (shard[1] as number) < 1 ||
      (shard[0] as number) < 0 ||
      (shard[0] as number) >= (shard[1] as number)
    ) {
      this.close(connection, CloseCode.INVALID_SHARD);
      return;
    }
    const [shardId, shardCount] = shard as [number, number];
    const guilds = this.options.state
      .botGuilds()
      .filter((guild) => shardOf(guild.id, shardCount) === shardId);
    if (guilds.length > MAX_GUILDS_PER_SHARD) {
      this.close(connection, CloseCode.SHARDING_REQUIRED);
      return;
    }

    const now = this.options.now();
    const bucket = shardId % this.options.identify.maxConcurrency;
    const last = this.lastIdentify.get(bucket);
    this.refreshSessionStarts(now);
    if (
      (last !== undefined && now - last < this.options.identify.intervalMs) ||
      this.sessionStarts.remaining <= 0
    ) {
      this.options.log(`gateway: identify of shard ${shardId} refused (identify rate limit)`);
      this.send(connection, { op: Opcode.INVALID_SESSION, d: false, s: null, t: null });
      return;
    }
    this.lastIdentify.set(bucket, now);
    this.sessionStarts.remaining -= 1;

    const threshold = typeof data.large_threshold === 'number' ? data.large_threshold : 50;
    const session = new GatewaySession(shardId, shardCount, intents, Math.min(250, Math.max(50, threshold)));
    this.sessions.set(session.id, session);
    this.attached.set(session, connection);
    connection.session = session;
    connection.compress = data.compress === true;
    const { state } = this.options;
    this.send(
      connection,
      session.dispatch('READY', {
        v: 10,
        user: toApiUser(state.requireUser(state.botUserId)),
        guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: session.id,
        resume_gateway_url: this.options.url(),
        shard: [shardId, shardCount],
        application: { id: state.applicationId, flags: 0 },
        user_settings: {},
        relationships: [],
        private_channels: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        auth: {},
      }),
    );
    this.options.log(`gateway: shard ${shardId}/${shardCount} identified, session ${session.id}`);
    if ((intents & GatewayIntents.GUILDS) !== 0n) {
      for (const guild of guilds) {
        this.send(connection, session.dispatch('GUILD_CREATE', this.guildCreateFor(session, guild.id)));
      }
    }
  }

  private resume(connection: Connection, data: unknown): void {
    if (connection.session && !connection.mayResume) {
      this.close(connection, CloseCode.ALREADY_AUTHENTICATED);
      return;
    }
    if (
      !isRecord(data) ||
      typeof data.token !== 'string' ||
      typeof data.session_id !== 'string' ||
      !(typeof data.seq === 'number' || data.seq === null)
    ) {
      this.close(connection, CloseCode.DECODE_ERROR);
      return;
    }
    if (data.token !== this.options.botToken) {
      this.close(connection, CloseCode.AUTHENTICATION_FAILED);
      return;
    }
    const session = this.sessions.get(data.session_id);
    const expired =
      session?.detachedAt != null && this.options.now() - session.detachedAt > this.options.resumeWindowMs;
    if (!session || session.invalidated || expired) {
      if (session) this.forget(session);
      connection.session = null;
      connection.mayResume = false;
      this.send(connection, { op: Opcode.INVALID_SESSION, d: false, s: null, t: null });
      return;
    }
    const seq = data.seq ?? 0;
    if (seq > session.sequence) {
      this.close(connection, CloseCode.INVALID_SEQ);
      return;
    }
    const missed = session.replayAfter(seq);
    if (!missed) {
      this.forget(session);
      this.send(connection, { op: Opcode.INVALID_SESSION, d: false, s: null, t: null });
      return;
    }
    // A session lives on one socket: resuming elsewhere cuts the old one.
    const previous = this.attached.get(session);
    if (previous && previous !== connection) {
      previous.session = null;
      this.close(previous, CloseCode.UNKNOWN_ERROR);
    }
    session.detachedAt = null;
    this.attached.set(session, connection);
    connection.session = session;
    connection.mayResume = false;
    for (const payload of missed) this.send(connection, payload);
    this.send(connection, session.dispatch('RESUMED', {}));
    this.options.log(`gateway: session ${session.id} resumed, replayed ${missed.length}`);
  }

  private requestGuildMembers(connection: Connection, data: unknown): void {
    const session = connection.session;
    if (!session) {
      this.close(connection, CloseCode.NOT_AUTHENTICATED);
      return;
    }
    if (!isRecord(data) || typeof data.guild_id !== 'string') {
      this.close(connection, CloseCode.DECODE_ERROR);
      return;
    }
    // Strict reading: member lists are privileged data, so the request needs the GUILD_MEMBERS intent.
    if ((session.intents & GatewayIntents.GUILD_MEMBERS) === 0n) {
      this.close(connection, CloseCode.DISALLOWED_INTENTS);
      return;
    }
    const { state } = this.options;
    const guild = state.guild(data.guild_id);
    if (!guild?.members.has(state.botUserId) || shardOf(guild.id, session.shardCount) !== session.shardId)
      return;
    const userIds = Array.isArray(data.user_ids) ? new Set(data.user_ids.map(String)) : null;
    const query = typeof data.query === 'string' ? data.query.toLowerCase() : '';
    const limit = typeof data.limit === 'number' && data.limit > 0 ? data.limit : Number.POSITIVE_INFINITY;
    const members = [...guild.members.keys()]
      .filter((userId) =>
        userIds ? userIds.has(userId) : (state.user(userId)?.username ?? '').startsWith(query),
      )
      .slice(0, limit)
      .flatMap((userId) => state.apiMember(guild.id, userId) ?? []);
    const chunk: Record<string, unknown> = { guild_id: guild.id, members, chunk_index: 0, chunk_count: 1 };
    if (userIds) chunk.not_found = [...userIds].filter((id) => !guild.members.has(id));
    if (data.nonce !== undefined) chunk.nonce = data.nonce;
    this.send(connection, session.dispatch('GUILD_MEMBERS_CHUNK', chunk));
  }

  // ---- dispatch ------------------------------------------------------------------------------------

  private deliver(dispatch: GuildDispatch): void {
    for (const session of this.sessions.values()) {
      if (session.invalidated || shardOf(dispatch.guildId, session.shardCount) !== session.shardId) continue;
      if (!dispatch.ignoreIntent && (session.intents & dispatch.intent) === 0n) continue;
      const d = dispatch.t === 'GUILD_CREATE' ? this.guildCreateFor(session, dispatch.guildId) : dispatch.d;
      const payload = session.dispatch(dispatch.t, d);
      // Detached sessions keep numbering and buffering so a RESUME can replay what they missed.
      const connection = this.attached.get(session);
      if (connection) this.send(connection, payload);
    }
  }

  // GUILD_CREATE lists members only with GUILD_MEMBERS and only for guilds that are not large; otherwise
  // it carries the bot's own member and the client has to request the rest (op 8), as on Discord.
  private guildCreateFor(session: GatewaySession, guildId: string): Record<string, unknown> {
    const payload = this.options.state.guildCreatePayload(guildId);
    const large = (payload.member_count as number) > session.largeThreshold;
    if ((session.intents & GatewayIntents.GUILD_MEMBERS) !== 0n && !large) return { ...payload, large };
    const members = (payload.members as { user: { id: string } }[]).filter(
      (member) => member.user.id === this.options.state.botUserId,
    );
    return { ...payload, large, members };
  }

  private send(connection: Connection, payload: GatewayPayload): void {
    if (connection.ws.readyState !== connection.ws.OPEN) return;
    const json = JSON.stringify(payload);
    connection.ws.send(connection.compress ? deflateSync(json) : json);
  }

  private close(connection: Connection, close: GatewayClose): void {
    this.options.log(`gateway: closing socket with ${close.code} ${close.reason}`);
    this.clearTimers(connection);
    const session = connection.session;
    // These close codes end the session for good; the others leave it resumable.
    if (session && [4003, 4004, 4005, 4007, 4010, 4011, 4012, 4013, 4014].includes(close.code)) {
      this.forget(session);
      connection.session = null;
    }
    connection.ws.close(close.code, close.reason);
  }

  private clearTimers(connection: Connection): void {
    if (connection.heartbeatDeadline) clearTimeout(connection.heartbeatDeadline);
    if (connection.reconnectDeadline) clearTimeout(connection.reconnectDeadline);
    connection.heartbeatDeadline = null;
    connection.reconnectDeadline = null;
  }

  private forget(session: GatewaySession): void {
    session.invalidated = true;
    this.sessions.delete(session.id);
    this.attached.delete(session);
  }

  private sweepSessions(): void {
    const now = this.options.now();
    for (const session of this.sessions.values()) {
      if (session.detachedAt !== null && now - session.detachedAt > this.options.resumeWindowMs)
        this.forget(session);
    }
  }

  private refreshSessionStarts(now: number): void {
    if (now >= this.sessionStarts.resetAt) {
      this.sessionStarts = { remaining: this.options.sessionStartLimit, resetAt: now + DAY_MS };
    }
  }
}
