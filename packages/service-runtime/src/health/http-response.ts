/** The part of node's ServerResponse (and so of express's Response) that the health endpoints use. */
export interface HealthResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

export function send(res: HealthResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  // Probes and scrapes must see the live state, never a cached answer from a proxy.
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

export function sendJson(res: HealthResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** An RFC 9457 problem document, the error format of every HTTP surface in this product. */
export function sendProblem(res: HealthResponse, status: number, title: string, detail: string): void {
  const body = { type: 'about:blank', title, status, detail };
  send(res, status, 'application/problem+json; charset=utf-8', JSON.stringify(body));
}
