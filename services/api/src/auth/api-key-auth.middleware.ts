import type { RequestHandler } from 'express';
import type { Database } from '@inflow/db';
import { problems } from '../http/problem';
import { TickBatcher } from '../http/tick-batcher';
import { hashApiKey, looksLikeApiKey } from './api-key';

export const API_KEY_HEADER = 'x-inflow-api-key';

/**
 * Authenticates a merchant call by `X-Inflow-Api-Key`: the key is hashed and looked up on every request,
 * so a revoked key stops working at once (the requests that arrive together share one query). Sets
 * `res.locals.merchantId` for the handlers.
 */
export function apiKeyAuth(db: Database, now: () => Date = () => new Date()): RequestHandler {
  // "Last used" is kept to the minute; remembering when this process last wrote it spares a write per request.
  const touched = new Map<string, number>();
  const lookups = new TickBatcher((hashes: readonly Buffer[]) =>
    db.repositories.apiKeys.findActiveByHashes(hashes),
  );
  return async (req, res, next) => {
    const key = req.get(API_KEY_HEADER);
    if (key === undefined || key === '') {
      throw problems.unauthorized('Send your API key in the X-Inflow-Api-Key header.');
    }
    if (!looksLikeApiKey(key))
      throw problems.unauthorized('The X-Inflow-Api-Key header does not hold an Inflow API key.');
    const owner = await lookups.load(hashApiKey(key));
    if (owner === null) throw problems.unauthorized('This API key is unknown or was revoked.');
    (res.locals as { merchantId?: string; apiKeyId?: string }).merchantId = owner.merchantId;
    (res.locals as { apiKeyId?: string }).apiKeyId = owner.apiKeyId;
    const at = now();
    if ((touched.get(owner.apiKeyId) ?? 0) < at.getTime() - 60_000) {
      touched.set(owner.apiKeyId, at.getTime());
      void db.repositories.apiKeys.touchLastUsed(owner.apiKeyId, at).catch(() => undefined);
    }
    next();
  };
}
