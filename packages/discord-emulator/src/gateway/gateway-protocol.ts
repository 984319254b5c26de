/** Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway). */
export const Opcode = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  VOICE_STATE_UPDATE: 4,
  RESUME: 6,
  RECONNECT: 7,
  REQUEST_GUILD_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
} as const;

/** Gateway close codes with Discord's reasons. */
export const CloseCode = {
  UNKNOWN_ERROR: { code: 4000, reason: 'Unknown error.' },
  UNKNOWN_OPCODE: { code: 4001, reason: 'Unknown opcode.' },
  DECODE_ERROR: { code: 4002, reason: 'Error while decoding payload.' },
  NOT_AUTHENTICATED: { code: 4003, reason: 'Not authenticated.' },
  AUTHENTICATION_FAILED: { code: 4004, reason: 'Authentication failed.' },
  ALREADY_AUTHENTICATED: { code: 4005, reason: 'Already authenticated.' },
  INVALID_SEQ: { code: 4007, reason: 'Invalid seq.' },
  RATE_LIMITED: { code: 4008, reason: 'Rate limited.' },
  SESSION_TIMED_OUT: { code: 4009, reason: 'Session timed out.' },
  INVALID_SHARD: { code: 4010, reason: 'Invalid shard.' },
  SHARDING_REQUIRED: { code: 4011, reason: 'Sharding required.' },
  INVALID_API_VERSION: { code: 4012, reason: 'Invalid API version.' },
  INVALID_INTENTS: { code: 4013, reason: 'Invalid intent(s).' },
  DISALLOWED_INTENTS: { code: 4014, reason: 'Disallowed intent(s).' },
} as const;

export type GatewayClose = (typeof CloseCode)[keyof typeof CloseCode];

export interface GatewayPayload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** Which shard receives a guild's events: `(guild_id >> 22) % shard_count`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Guilds one shard may hold before Discord requires more shards (close 4011). */
export const MAX_GUILDS_PER_SHARD = 2500;

/** Gateway send limit per connection: 120 payloads per 60 seconds, then close 4008. */
export const SEND_LIMIT = { payloads: 120, windowMs: 60_000 } as const;
