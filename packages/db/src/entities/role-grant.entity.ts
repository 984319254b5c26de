import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type RoleSyncState = 'synced' | 'pending' | 'held' | 'blocked' | 'needs_action' | 'failed';

/** One managed role of one member: desired and applied state, and the last error. */
export interface RoleGrant {
  id: string;
  merchantId: string;
  guildId: string;
  discordUserId: string;
  roleId: string;
  desired: boolean;
  applied: boolean;
  syncState: RoleSyncState;
  lastError: string | null;
  lastErrorCode: number | null;
  appliedAt: Date | null;
  updatedAt: Date;
}

export const RoleGrantEntity = new EntitySchema<RoleGrant>({
  name: 'role_grant',
  columns: {
    id: column.identityPrimary,
    merchantId: column.uuid,
    guildId: column.text,
    discordUserId: column.text,
    roleId: column.text,
    desired: column.boolean,
    applied: column.boolean,
    syncState: column.text,
    lastError: column.nullableText,
    lastErrorCode: column.nullableInteger,
    appliedAt: column.nullableTimestamp,
    updatedAt: column.updatedAt,
  },
});
