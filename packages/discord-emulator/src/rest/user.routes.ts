import { DiscordErrors } from '../discord/discord-error';
import { type RouteDefinition } from '../http/api-types';
import { toApiUser } from '../state/api-views';
import { type RestContext } from './rest-context';

/** `/users/@me`, `/oauth2/@me` and `/gateway/bot`. */
export function userRoutes(ctx: RestContext): RouteDefinition[] {
  return [
    {
      method: 'GET',
      template: '/users/@me',
      auth: 'bot-or-bearer',
      limit: ctx.buckets['current-user'],
      majorParameter: null,
      handle: (request) => {
        if (request.principal.kind === 'bot') {
          return { status: 200, body: toApiUser(ctx.state.requireUser(ctx.state.botUserId)) };
        }
        if (request.principal.kind !== 'bearer') throw DiscordErrors.unauthorized();
        const { grant } = request.principal;
        // A bearer token without `identify` cannot read the user at all.
        if (!grant.scopes.includes('identify')) throw DiscordErrors.unauthorized();
        const user = ctx.state.requireUser(grant.userId);
        const body: Record<string, unknown> = {
          ...toApiUser(user),
          flags: 0,
          banner: null,
          accent_color: null,
          locale: 'en-US',
          mfa_enabled: false,
          premium_type: user.maxGuilds > 100 ? 2 : 0,
        };
        if (grant.scopes.includes('email')) {
          body.email = user.email;
          body.verified = true;
        }
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      template: '/oauth2/@me',
      auth: 'bearer',
      limit: ctx.buckets['oauth2-me'],
      majorParameter: null,
      handle: (request) => {
        if (request.principal.kind !== 'bearer') throw DiscordErrors.unauthorized();
        const { grant } = request.principal;
        const body: Record<string, unknown> = {
          application: {
            id: ctx.application.id,
            name: ctx.application.name,
            icon: null,
            description: '',
            type: null,
            bot_public: true,
            bot_require_code_grant: false,
            verify_key: '0'.repeat(64),
            flags: 0,
          },
          scopes: grant.scopes,
          expires: new Date(grant.expiresAt).toISOString(),
        };
        if (grant.scopes.includes('identify')) body.user = toApiUser(ctx.state.requireUser(grant.userId));
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      template: '/gateway/bot',
      auth: 'bot',
      limit: ctx.buckets['gateway-bot'],
      majorParameter: null,
      handle: () => ({ status: 200, body: ctx.gatewayInfo() }),
    },
  ];
}
