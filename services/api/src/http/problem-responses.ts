import { z } from 'zod';
import type { ResponseSpec } from './route';

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
});

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; errors[] names each field at fault',
  401: 'Missing, unknown or revoked API key',
  404: 'No such object for this merchant',
  409: 'Conflicts with what was received before',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Valid JSON that cannot be acted on; detail says what to do',
  429: 'Too many requests for this API key; see Retry-After',
  503: 'A dependency (Postgres, Discord) is unavailable; retry later',
};

/** The problem+json responses a route can give, for its OpenAPI description. */
export function problemResponses(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? 'Problem',
        schema: problemSchema,
        contentType: 'application/problem+json',
      },
    ]),
  );
}
