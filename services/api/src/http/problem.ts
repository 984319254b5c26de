import type { Response } from 'express';

/** One field problem in a problem+json body: `pointer` names the field as a JSON pointer into the body. */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** Problem types are URIs under one base so clients can switch on them. */
export const PROBLEM_BASE = 'https://docs.inflow.example/problems/';

export class ProblemError extends Error {
  readonly problem: Problem;
  /** Response headers that belong to the problem, such as Retry-After. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    kind: string,
    title: string,
    detail: string,
    extra: Partial<Problem> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.problem = { type: `${PROBLEM_BASE}${kind}`, title, status, detail, ...extra };
    this.headers = headers;
  }
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

export const problems = {
  notFound: (detail = 'There is nothing at this address.') =>
    new ProblemError(404, 'not-found', 'Not Found', detail),
  unauthorized: (detail: string) => new ProblemError(401, 'unauthorized', 'Unauthorized', detail),
  validation: (errors: FieldProblem[]) =>
    new ProblemError(
      400,
      'validation',
      'Invalid request',
      'The request has fields that are missing or wrong; see errors.',
      { errors },
    ),
  unavailable: (detail: string) => new ProblemError(503, 'unavailable', 'Service Unavailable', detail),
  unsupportedMediaType: () =>
    new ProblemError(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      'Send the body as application/json.',
    ),
  unprocessable: (detail: string, errors: FieldProblem[] = [], kind = 'unprocessable') =>
    new ProblemError(422, kind, 'Unprocessable Content', detail, errors.length > 0 ? { errors } : {}),
  conflict: (detail: string, kind = 'conflict') => new ProblemError(409, kind, 'Conflict', detail),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ProblemError(
      429,
      'rate-limited',
      'Too Many Requests',
      `Too many requests for this API key; retry in ${retryAfterSeconds} s.`,
      {},
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  unavailableRetry: (detail: string, retryAfterSeconds: number) =>
    new ProblemError(
      503,
      'unavailable',
      'Service Unavailable',
      detail,
      {},
      { 'Retry-After': String(retryAfterSeconds) },
    ),
};
