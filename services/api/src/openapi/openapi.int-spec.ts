import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness } from '../test/api-harness';
import { openApiPath } from './openapi-document';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  name?: string;
  handle?: { stack?: Layer[] };
}

/** Every (method, path) the express app answers, read from its router stack. */
function appRoutes(stack: Layer[]): Array<[string, string]> {
  return stack.flatMap((layer): Array<[string, string]> => {
    if (layer.route !== undefined) {
      return Object.keys(layer.route.methods).map((method) => [method, layer.route!.path]);
    }
    return layer.handle?.stack === undefined ? [] : appRoutes(layer.handle.stack);
  });
}

describe('GET /openapi.json', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await ApiHarness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  it('is an OpenAPI 3.1 document that describes every route the app serves', async () => {
    const response = await h.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');

    const served = appRoutes((h.app as unknown as { router: { stack: Layer[] } }).router.stack).filter(
      ([, path]) => !['/healthz', '/readyz', '/metrics', '/openapi.json'].includes(path),
    );
    expect(served.length).toBeGreaterThanOrEqual(10);
    for (const [method, path] of served) {
      expect({ method, path, described: document.paths[openApiPath(path)]?.[method] !== undefined }).toEqual({
        method,
        path,
        described: true,
      });
    }
  });

  it('describes request bodies from the same schemas that validate them', async () => {
    const document = (await h.request('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { required?: string[]; properties: Record<string, unknown> } }
              >;
            };
          }
        >
      >;
    };
    const offer =
      document.paths['/subscription/offer']!.post!.requestBody!.content['application/json']!.schema;
    expect(offer.required).toEqual(expect.arrayContaining(['name', 'amountInCents', 'currency', 'interval']));
    expect(Object.keys(offer.properties)).toEqual(
      expect.arrayContaining(['discordGuildId', 'discordRoleId', 'gracePeriodDays']),
    );
  });
});
