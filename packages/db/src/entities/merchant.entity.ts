import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type DuplicateDiscordLinkPolicy = 'allow' | 'refuse';

export interface Merchant {
  id: string;
  name: string;
  duplicateDiscordLinkPolicy: DuplicateDiscordLinkPolicy;
  /** Share (0–1] of a guild's managed roles one sync run may remove before the brake holds it. */
  massRemovalThreshold: number;
  /** May open the queue dashboard, which shows every merchant's jobs. */
  isOperator: boolean;
  createdAt: Date;
}

export const MerchantEntity = new EntitySchema<Merchant>({
  name: 'merchant',
  columns: {
    id: column.uuidPrimary,
    name: column.text,
    duplicateDiscordLinkPolicy: column.text,
    massRemovalThreshold: column.decimal,
    isOperator: column.boolean,
    createdAt: column.createdAt,
  },
});
