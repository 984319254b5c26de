import { snowflakeSchema } from '@inflow/contracts';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** A member's key, in the order the drift sweep walks members. */
export interface MemberKey {
  guildId: string;
  discordUserId: string;
}

/** Where the last drift run stopped, so the next one continues after it instead of starting over. */
export interface DriftPosition {
  get(): Promise<MemberKey | null>;
  /** Null: the last run reached the end, the next starts from the beginning. */
  set(after: MemberKey | null): Promise<void>;
}

const memberKeySchema = z.strictObject({ guildId: snowflakeSchema, discordUserId: snowflakeSchema });

/**
 * The drift position in Redis, next to the cleanup queue. Losing it only makes the next run start
 * from the beginning, so it needs none of Postgres' guarantees.
 */
export class RedisDriftPosition implements DriftPosition {
  constructor(
    private readonly redis: Redis,
    /** The key, e.g. `<QUEUE_PREFIX>:cleanup-worker:drift-position`. */
    private readonly key: string,
  ) {}

  async get(): Promise<MemberKey | null> {
    const stored = await this.redis.get(this.key);
    if (stored === null) return null;
    // Anything unreadable (an older format, a hand edit) means starting over, which is always safe.
    const parsed = memberKeySchema.safeParse(parseJson(stored));
    return parsed.success ? parsed.data : null;
  }

  async set(after: MemberKey | null): Promise<void> {
    if (after === null) {
      await this.redis.del(this.key);
    } else {
      await this.redis.set(this.key, JSON.stringify(after));
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
