import { EntitySchema } from 'typeorm';
import { column } from './columns';

export type OAuthStatePurpose = 'bot-install' | 'customer-link';

/** An OAuth `state`, stored hashed: single-use, expiring, bound to a merchant (and a portal session). */
export interface OAuthState {
  stateHash: Buffer;
  purpose: OAuthStatePurpose;
  merchantId: string;
  portalSessionId: string | null;
  codeVerifier: string | null;
  createdAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
}

export const OAuthStateEntity = new EntitySchema<OAuthState>({
  name: 'oauth_state',
  columns: {
    stateHash: { ...column.bytes, primary: true },
    purpose: column.text,
    merchantId: column.uuid,
    portalSessionId: column.nullableUuid,
    codeVerifier: column.nullableText,
    createdAt: column.createdAt,
    expiresAt: column.timestamp,
    consumedAt: column.nullableTimestamp,
  },
});
