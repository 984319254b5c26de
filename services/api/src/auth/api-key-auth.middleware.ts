import type { RequestHandler, Response } from 'express';
import type { ApiKeyOwner, Database } from '@inflow/db';
import { problems } from '../http/problem';
import { TickBatcher } from '../http/tick-batcher';
import { hashApiKey, looksLikeApiKey, unknownOrRevokedKey } from './api-key';

export const API_KEY_HEADER = 'x-inflow-api-key';

/** Keys this process remembers as active, for the routes that check the key again when they write. */
const REMEMBERED_KEYS_MAX = 10_000;
/** How long a remembered key is trusted before it is looked up again. */
const REMEMBERED_FOR_MS = 5 * 60_000;

/** What merchant routes find in `res.locals` once authenticated. */
export interface MerchantLocals {
  merchantId?: string;
  apiKeyId?: string;
  apiKeyHash?: Buffer;
}

export interface ApiKeyAuth {
  /** Looks the key up on every request, so a revoked key is refused at once. */
  everyRequest: RequestHandler;
  /**
   * For routes whose handler writes through a statement that checks the key itself (`POST /events`): a key
   * this process found active before is not looked up again, sparing the request a database round trip.
   * A key revoked since is refused by that statement, which writes nothing, and its 401 makes this process
   * forget the key.
   */
  checkedByHandler: RequestHandler;
}

/**
 * Authenticates a merchant call by `X-Inflow-Api-Key`: the key is hashed and looked up (the requests that
 * arrive together share one query). Sets `res.locals` ({@link MerchantLocals}) for the handlers.
 */
export function apiKeyAuth(db: Database, now: () => Date = () => new Date()): ApiKeyAuth {
  // "Last used" is kept to the minute; remembering when this process last wrote it spares a write per request.
  const touched = new Map<string, number>();
  const remembered = new Map<string, { owner: ApiKeyOwner; until: number }>();
  const lookups = new TickBatcher((hashes: readonly Buffer[]) =>
    db.repositories.apiKeys.findActiveByHashes(hashes),
  );

  const hashOf = (header: string | undefined): Buffer => {
    if (header === undefined || header === '') {
      throw problems.unauthorized('Send your API key in the X-Inflow-Api-Key header.');
    }
    if (!looksLikeApiKey(header))
      throw problems.unauthorized('The X-Inflow-Api-Key header does not hold an Inflow API key.');
    return hashApiKey(header);
  };

  const lookUp = async (hash: Buffer): Promise<ApiKeyOwner> => {
    const owner = await lookups.load(hash);
    if (owner === null) throw unknownOrRevokedKey();
    return owner;
  };

  const authenticated = (res: Response, owner: ApiKeyOwner, hash: Buffer) => {
    Object.assign(res.locals as MerchantLocals, {
      merchantId: owner.merchantId,
      apiKeyId: owner.apiKeyId,
      apiKeyHash: hash,
    });
    const at = now().getTime();
    if ((touched.get(owner.apiKeyId) ?? 0) < at - 60_000) {
      touched.set(owner.apiKeyId, at);
      void db.repositories.apiKeys.touchLastUsed(owner.apiKeyId, new Date(at)).catch(() => undefined);
    }
  };

  return {
    everyRequest: async (req, res, next) => {
      const hash = hashOf(req.get(API_KEY_HEADER));
      authenticated(res, await lookUp(hash), hash);
      next();
    },
    checkedByHandler: async (req, res, next) => {
      const hash = hashOf(req.get(API_KEY_HEADER));
      const id = hash.toString('base64');
      const known = remembered.get(id);
      const at = now().getTime();
      let owner: ApiKeyOwner;
      if (known !== undefined && known.until > at) {
        owner = known.owner;
        res.once('finish', () => {
          if (res.statusCode === 401) remembered.delete(id);
        });
      } else {
        owner = await lookUp(hash);
        remembered.delete(id);
        if (remembered.size >= REMEMBERED_KEYS_MAX) remembered.delete(remembered.keys().next().value!);
        remembered.set(id, { owner, until: at + REMEMBERED_FOR_MS });
      }
      authenticated(res, owner, hash);
      next();
    },
  };
}
