import { z } from 'zod';
import { subscriptionViewSchema } from '@inflow/contracts';
import { defineRoute, type RouteDefinition } from '../http/route';
import { problemResponses } from '../http/problem-responses';
import type { SubscriptionReadService } from './subscription-read.service';

export function subscriptionRoutes(subscriptions: SubscriptionReadService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/subscription/:id',
      operationId: 'getSubscription',
      summary: "A subscription by your id, with its Discord link and each role's sync state",
      tag: 'Subscriptions',
      auth: 'merchant',
      params: z.object({ id: z.string().min(1).max(200) }),
      responses: {
        200: { description: 'The subscription', schema: subscriptionViewSchema },
        ...problemResponses(401, 404, 429),
      },
      handler: async ({ merchantId, params }) => ({
        status: 200,
        body: await subscriptions.get(merchantId, params.id),
      }),
    }),
  ];
}
