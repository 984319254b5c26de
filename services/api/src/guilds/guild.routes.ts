import { z } from 'zod';
import {
  diagnosticSchema,
  guildConfigSchema,
  guildViewSchema,
  inviteLinkSchema,
  snowflakeSchema,
} from '@inflow/contracts';
import { simplePage } from '../html/page';
import { defineRoute, type RouteDefinition } from '../http/route';
import { problemResponses } from '../http/problem-responses';
import type { GuildInstallService } from './guild-install.service';
import type { GuildService } from './guild.service';

const guildParams = z.object({ guildId: snowflakeSchema });

export function guildRoutes(guilds: GuildService, installs: GuildInstallService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/discord/invite-link',
      operationId: 'getInviteLink',
      summary: 'A single-use link (10 minutes) that installs the bot in a server and connects it to you',
      tag: 'Discord servers',
      auth: 'merchant',
      responses: {
        200: { description: 'The install link', schema: inviteLinkSchema },
        ...problemResponses(401, 429),
      },
      handler: async ({ merchantId }) => ({ status: 200, body: await installs.inviteLink(merchantId) }),
    }),
    defineRoute({
      method: 'get',
      path: '/oauth/discord/bot-callback',
      operationId: 'botInstallCallback',
      summary: 'Where Discord sends the browser after the bot install (code, state, guild_id, permissions)',
      tag: 'Discord servers',
      auth: 'public',
      query: z.object({
        code: z.string().max(200).optional(),
        state: z.string().max(200).optional(),
        guild_id: snowflakeSchema.optional(),
        permissions: z.string().regex(/^\d+$/).optional(),
        error: z.string().max(100).optional(),
        error_description: z.string().max(500).optional(),
      }),
      responses: {
        200: { description: 'Installed: an HTML page with the next step', contentType: 'text/html' },
        400: { description: 'Cancelled, expired or reused link: an HTML page', contentType: 'text/html' },
        409: {
          description: 'The server belongs to another merchant: an HTML page',
          contentType: 'text/html',
        },
      },
      handler: async ({ query, res }) => {
        const outcome = await installs.complete(query);
        res.status(outcome.status).type('html').send(simplePage(outcome.title, outcome.paragraphs));
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/discord/guilds',
      operationId: 'listGuilds',
      summary: 'Your connected Discord servers, with their settings and health',
      tag: 'Discord servers',
      auth: 'merchant',
      responses: {
        200: { description: 'The servers', schema: z.object({ data: z.array(guildViewSchema) }) },
        ...problemResponses(401, 429),
      },
      handler: async ({ merchantId }) => ({ status: 200, body: { data: await guilds.list(merchantId) } }),
    }),
    defineRoute({
      method: 'put',
      path: '/discord/guilds/:guildId',
      operationId: 'configureGuild',
      summary: "Set a server's notification channels, invite URL and notification toggles",
      tag: 'Discord servers',
      auth: 'merchant',
      params: guildParams,
      body: guildConfigSchema,
      responses: {
        200: { description: 'The server after the change', schema: guildViewSchema },
        ...problemResponses(400, 401, 404, 422, 429, 503),
      },
      handler: async ({ merchantId, params, body }) => ({
        status: 200,
        body: await guilds.configure(merchantId, params.guildId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/discord/guilds/:guildId/diagnostics',
      operationId: 'diagnoseGuild',
      summary:
        "Check the bot's permissions, each offer role's position and each channel's access, with fix-it sentences",
      tag: 'Discord servers',
      auth: 'merchant',
      params: guildParams,
      responses: {
        200: {
          description: 'The problems found (none when ok)',
          schema: z.object({
            guildId: snowflakeSchema,
            ok: z.boolean(),
            problems: z.array(diagnosticSchema),
            checkedAt: z.iso.datetime(),
          }),
        },
        ...problemResponses(400, 401, 404, 422, 429, 503),
      },
      handler: async ({ merchantId, params }) => ({
        status: 200,
        body: await guilds.diagnose(merchantId, params.guildId),
      }),
    }),
  ];
}
