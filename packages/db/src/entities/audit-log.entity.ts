import { EntitySchema } from 'typeorm';
import { column } from './columns';

/** One role change, notification or alert, with its reason. */
export interface AuditLogEntry {
  id: string;
  merchantId: string;
  guildId: string | null;
  discordUserId: string | null;
  roleId: string | null;
  kind: string;
  reason: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export const AuditLogEntity = new EntitySchema<AuditLogEntry>({
  name: 'audit_log',
  columns: {
    id: column.identityPrimary,
    merchantId: column.uuid,
    guildId: column.nullableText,
    discordUserId: column.nullableText,
    roleId: column.nullableText,
    kind: column.text,
    reason: column.text,
    detail: column.json,
    createdAt: column.createdAt,
  },
});
