import { eventAcceptedSchema, merchantEventSchema } from '@inflow/contracts';
import { defineRoute, type RouteDefinition } from '../http/route';
import { problemResponses } from '../http/problem-responses';
import type { EventIngestionService } from './event-ingestion.service';

export function eventRoutes(ingestion: EventIngestionService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/events',
      operationId: 'postEvent',
      summary: 'Send a subscription or payment event; idempotent by event id',
      tag: 'Events',
      auth: 'merchant',
      // The batch's read checks the key, so authentication may trust a key it found active before.
      keyCheckedByHandler: true,
      body: merchantEventSchema,
      responses: {
        202: { description: 'Recorded; roles and notifications follow', schema: eventAcceptedSchema },
        200: {
          description: 'This event was already received with the same body; nothing more happens',
          schema: eventAcceptedSchema,
        },
        ...problemResponses(400, 401, 409, 413, 415, 422, 429, 503),
      },
      handler: async ({ merchantId, apiKeyHash, body }) => {
        if (apiKeyHash === undefined) throw new Error('POST /events ran without an API key');
        const result = await ingestion.ingest({ merchantId, keyHash: apiKeyHash }, body);
        return { status: result.status, body: result.body };
      },
    }),
  ];
}
