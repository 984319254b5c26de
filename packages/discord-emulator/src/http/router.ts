import { type HttpMethod, type RouteDefinition } from './api-types';

export type RouteMatch =
  | { kind: 'matched'; route: RouteDefinition; params: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string }
  | { kind: 'not-found' };

interface CompiledRoute {
  route: RouteDefinition;
  segments: ({ literal: string } | { param: string })[];
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function compile(route: RouteDefinition): CompiledRoute {
  const segments = route.template
    .split('/')
    .slice(1)
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param === undefined ? { literal: segment } : { param };
    });
  return { route, segments };
}

/**
 * Matches paths against Discord route templates. Routes with more literal segments win over parameterised
 * ones (so `/users/@me` beats `/users/{user_id}`); a path that matches only under another method is a 405.
 */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly RouteDefinition[]) {
    const literalCount = (compiled: CompiledRoute): number =>
      compiled.segments.filter((segment) => 'literal' in segment).length;
    this.routes = routes.map(compile).sort((a, b) => literalCount(b) - literalCount(a));
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').slice(1);
    // Discord tolerates one trailing slash.
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    let otherMethod: string | undefined;
    for (const compiled of this.routes) {
      const params = this.matchSegments(compiled, parts);
      if (!params) continue;
      if (compiled.route.method === (method.toUpperCase() as HttpMethod)) {
        return { kind: 'matched', route: compiled.route, params };
      }
      otherMethod ??= compiled.route.template;
    }
    return otherMethod === undefined
      ? { kind: 'not-found' }
      : { kind: 'method-not-allowed', template: otherMethod };
  }

  private matchSegments(compiled: CompiledRoute, parts: string[]): Record<string, string> | undefined {
    if (compiled.segments.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i += 1) {
      const segment = compiled.segments[i];
      const part = parts[i];
      if (segment === undefined || part === undefined) return undefined;
      if ('literal' in segment) {
        // Percent-encoding is not part of a segment's identity: `/users/%40me` is `/users/@me`.
        if (segment.literal !== safeDecode(part)) return undefined;
      } else {
        if (part === '') return undefined;
        params[segment.param] = safeDecode(part);
      }
    }
    return params;
  }
}
