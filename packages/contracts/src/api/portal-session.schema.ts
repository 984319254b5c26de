import { z } from 'zod';

/** Body of `POST /customer/portal-session`: the merchant's own customer id. */
export const portalSessionSchema = z.strictObject({
  customerId: z.string().min(1, 'must not be empty').max(200),
});

export type PortalSessionInput = z.infer<typeof portalSessionSchema>;
