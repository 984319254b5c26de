import { z } from 'zod';
import { createOfferSchema, offerListSchema, offerSchema, updateOfferSchema } from '@inflow/contracts';
import { defineRoute, type RouteDefinition } from '../http/route';
import { problemResponses } from '../http/problem-responses';
import type { OfferService } from './offer.service';

const offerParams = z.object({ id: z.string() });

export function offerRoutes(offers: OfferService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/subscription/offer',
      operationId: 'createOffer',
      summary: 'Create an offer; with discordGuildId and discordRoleId its subscribers get that role',
      tag: 'Offers',
      auth: 'merchant',
      body: createOfferSchema,
      responses: {
        201: { description: 'The offer, with diagnostics of its role', schema: offerSchema },
        ...problemResponses(400, 401, 422, 429, 503),
      },
      handler: async ({ merchantId, body }) => ({ status: 201, body: await offers.create(merchantId, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/subscription/offer',
      operationId: 'listOffers',
      summary: 'List offers, oldest first; pass nextCursor as cursor for the next page',
      tag: 'Offers',
      auth: 'merchant',
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(100).default(50),
        cursor: z.uuid().optional(),
      }),
      responses: {
        200: { description: 'A page of offers', schema: offerListSchema },
        ...problemResponses(400, 401, 429),
      },
      handler: async ({ merchantId, query }) => ({
        status: 200,
        body: await offers.list(merchantId, query.limit, query.cursor),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/subscription/offer/:id',
      operationId: 'getOffer',
      summary: 'Read an offer, with fresh diagnostics of its role',
      tag: 'Offers',
      auth: 'merchant',
      params: offerParams,
      responses: {
        200: { description: 'The offer', schema: offerSchema },
        ...problemResponses(401, 404, 429),
      },
      handler: async ({ merchantId, params }) => ({
        status: 200,
        body: await offers.get(merchantId, params.id),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/subscription/offer/:id',
      operationId: 'updateOffer',
      summary: 'Change an offer; a new role re-syncs every linked subscriber',
      tag: 'Offers',
      auth: 'merchant',
      params: offerParams,
      body: updateOfferSchema,
      responses: {
        200: { description: 'The offer after the change', schema: offerSchema },
        ...problemResponses(400, 401, 404, 422, 429, 503),
      },
      handler: async ({ merchantId, params, body }) => ({
        status: 200,
        body: await offers.update(merchantId, params.id, body),
      }),
    }),
  ];
}
