import { describe, expect, it } from '@jest/globals';
import { type RouteDefinition } from './api-types';
import { Router } from './router';

function route(method: RouteDefinition['method'], template: string): RouteDefinition {
  return {
    method,
    template,
    auth: 'bot',
    limit: null,
    majorParameter: null,
    handle: () => ({ status: 204 }),
  };
}

describe('Router', () => {
  const router = new Router([
    route('GET', '/users/{user_id}'),
    route('GET', '/users/@me'),
    route('PUT', '/guilds/{guild_id}/members/{user_id}/roles/{role_id}'),
    route('DELETE', '/guilds/{guild_id}/members/{user_id}/roles/{role_id}'),
  ]);

  it('prefers literal segments and extracts parameters', () => {
    const me = router.match('GET', '/users/@me');
    expect(me.kind === 'matched' && me.route.template).toBe('/users/@me');
    const other = router.match('get', '/users/1100000000000000001');
    expect(other).toMatchObject({ kind: 'matched', params: { user_id: '1100000000000000001' } });
    const role = router.match('DELETE', '/guilds/1/members/2/roles/3/');
    expect(role).toMatchObject({ kind: 'matched', params: { guild_id: '1', user_id: '2', role_id: '3' } });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('POST', '/users/@me')).toEqual({
      kind: 'method-not-allowed',
      template: '/users/@me',
    });
    expect(router.match('GET', '/guilds/1/members/2/roles')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/users//')).toEqual({ kind: 'not-found' });
  });
});

describe('Router with percent-encoded paths', () => {
  it('matches a literal segment sent percent-encoded, as an HTTP server decodes it', () => {
    const router = new Router([route('GET', '/users/@me'), route('GET', '/users/{user_id}')]);
    const match = router.match('GET', '/users/%40me');
    expect(match.kind === 'matched' && match.route.template).toBe('/users/@me');
  });
});
