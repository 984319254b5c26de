import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { MerchantLocals } from '../auth/api-key-auth.middleware';
import { nulFields } from './nul-fields';
import { problems } from './problem';
import { parseOrProblem } from './validate';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route. */
export type RouteAuth = 'merchant' | 'public';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

/** What a JSON handler returns: the status, the body, and extra headers. */
export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext<Body, Params, Query> {
  body: Body;
  params: Params;
  query: Query;
  /** Set for `auth: 'merchant'` routes; every query the handler makes filters on it. */
  merchantId: string;
  /** The SHA-256 of the caller's API key, set for `auth: 'merchant'` routes. */
  apiKeyHash: Buffer | undefined;
  req: Request;
  res: Response;
}

/**
 * One HTTP route: its contract (used for validation and for the OpenAPI document) and its handler. A
 * handler returns a {@link JsonReply}, or `undefined` when it wrote the response itself (redirects,
 * HTML pages).
 */
export interface RouteDefinition<Body = unknown, Params = unknown, Query = unknown> {
  method: HttpMethod;
  /** express syntax, e.g. `/subscription/offer/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  /**
   * A merchant route whose handler checks the API key again in the statement that writes (`POST /events`):
   * authentication may then trust a key this process found active before, without a lookup.
   */
  keyCheckedByHandler?: boolean;
  body?: z.ZodType<Body>;
  params?: z.ZodType<Params>;
  query?: z.ZodType<Query>;
  responses: Record<number, ResponseSpec>;
  handler: (context: HandlerContext<Body, Params, Query>) => Promise<JsonReply | undefined>;
}

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<Body = undefined, Params = Record<string, never>, Query = Record<string, never>>(
  route: RouteDefinition<Body, Params, Query>,
): RouteDefinition {
  return route as unknown as RouteDefinition;
}

// Built once: zod compiles an object schema's parser on its first use, so a schema made per request would be
// compiled per request.
const emptyObject = z.strictObject({});
const noParams = z.object({});

/** What runs before merchant routes: authentication, then rate limiting. */
export interface MerchantGuards {
  everyRequest: readonly RequestHandler[];
  /** For routes with {@link RouteDefinition.keyCheckedByHandler}. */
  keyCheckedByHandler: readonly RequestHandler[];
}

/**
 * Mounts routes on a router: merchant routes behind their {@link MerchantGuards}; each parses params,
 * query and body (400 problem+json naming fields), then runs its handler.
 */
export function mountRoutes(
  router: Router,
  routes: readonly RouteDefinition[],
  merchant: MerchantGuards,
): void {
  for (const route of routes) {
    const guards =
      route.auth !== 'merchant'
        ? []
        : route.keyCheckedByHandler === true
          ? merchant.keyCheckedByHandler
          : merchant.everyRequest;
    router[route.method](route.path, ...guards, async (req: Request, res: Response) => {
      const nul = [req.params, req.query, req.body].flatMap((part) => nulFields(part));
      if (nul.length > 0) throw problems.validation(nul.slice(0, 20));
      const params = parseOrProblem(route.params ?? noParams, req.params);
      const query = parseOrProblem(route.query ?? emptyObject, { ...(req.query as Record<string, unknown>) });
      let body: unknown = undefined;
      if (route.body !== undefined) {
        if (!req.is('application/json')) {
          throw problems.unsupportedMediaType();
        }
        body = parseOrProblem(route.body, req.body);
      }
      const { merchantId, apiKeyHash } = res.locals as MerchantLocals;
      if (route.auth === 'merchant' && merchantId === undefined)
        throw new Error(`route ${route.path} ran without auth`);
      const reply = await route.handler({
        body,
        params,
        query,
        merchantId: merchantId ?? '',
        apiKeyHash,
        req,
        res,
      });
      if (reply === undefined) return;
      res.status(reply.status).set(reply.headers ?? {});
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    });
  }
}
