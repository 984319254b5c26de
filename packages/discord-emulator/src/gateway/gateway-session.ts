import { randomBytes } from 'node:crypto';
import { type GatewayPayload } from './gateway-protocol';

/** How many sent dispatches a session keeps for RESUME replay. */
const REPLAY_BUFFER = 5000;

/**
 * One identified gateway session: its shard, intents, sequence and the dispatches it was sent, which a
 * RESUME replays. It outlives its WebSocket until the resume window passes or it is invalidated.
 */
export class GatewaySession {
  readonly id = randomBytes(16).toString('hex');
  private seq = 0;
  private readonly sent: GatewayPayload[] = [];
  /** When the last connection of this session closed, or null while one is attached. */
  detachedAt: number | null = null;
  invalidated = false;

  constructor(
    readonly shardId: number,
    readonly shardCount: number,
    readonly intents: bigint,
    /** Member count above which a guild is "large" and GUILD_CREATE omits its member list (50..250). */
    readonly largeThreshold = 50,
  ) {}

  get sequence(): number {
    return this.seq;
  }

  /** Numbers a dispatch and keeps it for replay. */
  dispatch(t: string, d: unknown): GatewayPayload {
    this.seq += 1;
    const payload: GatewayPayload = { op: 0, d, s: this.seq, t };
    this.sent.push(payload);
    if (this.sent.length > REPLAY_BUFFER) this.sent.splice(0, this.sent.length - REPLAY_BUFFER);
    return payload;
  }

  /** Dispatches after `seq`, or undefined when some of them are no longer buffered (the resume must fail). */
  replayAfter(seq: number): GatewayPayload[] | undefined {
    if (seq > this.seq || seq < 0) return undefined;
    const missed = this.sent.filter((payload) => (payload.s ?? 0) > seq);
    if (missed.length !== this.seq - seq) return undefined;
    return missed;
  }
}
