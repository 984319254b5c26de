import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type DiscordTokenStatus = 'valid' | 'revoked' | 'expired';

export interface DiscordLink {
  id: string;
  merchantId: string;
  customerId: string;
  discordUserId: string;
  discordUsername: string;
  /** AES-256-GCM ciphertext; never the token in clear. */
  accessTokenEnc: Buffer | null;
  refreshTokenEnc: Buffer | null;
  tokenExpiresAt: Date | null;
  scopes: string[];
  tokenStatus: DiscordTokenStatus;
  linkedAt: Date;
  updatedAt: Date;
}

export const DiscordLinkEntity = new EntitySchema<DiscordLink>({
  name: 'discord_link',
  columns: {
    id: column.uuidPrimary,
    merchantId: column.uuid,
    customerId: column.uuid,
    discordUserId: column.text,
    discordUsername: column.text,
    accessTokenEnc: column.nullableBytes,
    refreshTokenEnc: column.nullableBytes,
    tokenExpiresAt: column.nullableTimestamp,
    scopes: column.textArray,
    tokenStatus: column.text,
    linkedAt: column.timestamp,
    updatedAt: column.updatedAt,
  },
});
