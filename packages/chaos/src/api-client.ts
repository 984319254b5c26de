/** One HTTP exchange with the api, as a client saw it. */
export interface ApiExchange {
  /** HTTP status; 0 when no answer came (connection refused or reset, or the timeout). */
  status: number;
  text: string;
  headers: Headers;
  /** Milliseconds from sending to the full answer (or the failure). */
  ms: number;
  /** Why no answer came, when status is 0. */
  error?: string;
}

export interface ApiCall {
  method: string;
  /** Path and query, sent as given (hostile paths are not normalised). */
  path: string;
  headers?: Record<string, string>;
  /** Sent as is: a string or bytes, so malformed bodies stay malformed. */
  body?: string | Uint8Array;
  timeoutMs?: number;
}

/** Calls the api on `port` without any client-side validation, and never throws. */
export async function callApi(port: number, call: ApiCall): Promise<ApiExchange> {
  const started = performance.now();
  try {
    const response = await fetch(`http://127.0.0.1:${port}${call.path}`, {
      method: call.method,
      headers: call.headers ?? {},
      ...(call.body === undefined ? {} : { body: call.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(call.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers, ms: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      status: 0,
      text: '',
      headers: new Headers(),
      ms: performance.now() - started,
      error: cause ?? (error instanceof Error ? error.name : 'unknown'),
    };
  }
}

/** A merchant call with a JSON body. */
export function merchantJson(
  port: number,
  apiKey: string,
  method: string,
  path: string,
  body: unknown,
): Promise<ApiExchange> {
  return callApi(port, {
    method,
    path,
    headers: { 'x-inflow-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
