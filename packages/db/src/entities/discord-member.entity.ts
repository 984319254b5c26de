import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type MemberPresence = 'unknown' | 'member' | 'absent';

/** A Discord user in a guild as last seen by the gateway or a read. */
export interface DiscordMember {
  guildId: string;
  discordUserId: string;
  merchantId: string;
  presence: MemberPresence;
  /** Every role the member held when last seen; null when never seen. */
  rolesSeen: string[] | null;
  rolesSeenAt: Date | null;
  lastSyncedAt: Date | null;
  updatedAt: Date;
}

export const DiscordMemberEntity = new EntitySchema<DiscordMember>({
  name: 'discord_member',
  columns: {
    guildId: { ...column.text, primary: true },
    discordUserId: { ...column.text, primary: true },
    merchantId: column.uuid,
    presence: column.text,
    rolesSeen: column.nullableTextArray,
    rolesSeenAt: column.nullableTimestamp,
    lastSyncedAt: column.nullableTimestamp,
    updatedAt: column.updatedAt,
  },
});
