import { DiscordErrors } from '../discord/discord-error';
import { checkMessageLimits, type EmbedText } from '../discord/embed-limits';
import { FormErrors } from '../discord/form-errors';
import { hasPermission, PermissionFlags } from '../discord/permission-flags';
import { type ApiRequest, type ApiResponse, type RouteDefinition } from '../http/api-types';
import { toApiUser } from '../state/api-views';
import { type ApiMessage, ChannelType } from '../state/entities';
import { param, parseJsonBody } from './request-helpers';
import { type RestContext } from './rest-context';

interface MessageCreateBody {
  content?: string | null;
  embeds?: (EmbedText & Record<string, unknown>)[] | null;
  sticker_ids?: string[] | null;
  components?: unknown[] | null;
  attachments?: unknown[] | null;
  poll?: unknown;
  tts?: boolean | null;
  flags?: number | null;
  nonce?: string | number | null;
}

// Channels that can hold messages; categories and forums (which need threads) cannot.
const TEXT_CAPABLE = new Set<number>([
  ChannelType.GUILD_TEXT,
  ChannelType.GUILD_ANNOUNCEMENT,
  ChannelType.GUILD_VOICE,
]);

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).flatMap(([key, inner]) => (inner === null ? [] : [[key, withoutNulls(inner)]])),
    );
  }
  return value;
}

function isEmpty(body: MessageCreateBody): boolean {
  return (
    !body.content &&
    (body.embeds ?? []).length === 0 &&
    (body.sticker_ids ?? []).length === 0 &&
    (body.components ?? []).length === 0 &&
    (body.attachments ?? []).length === 0 &&
    (body.poll === undefined || body.poll === null)
  );
}

function createMessage(ctx: RestContext, request: ApiRequest): ApiResponse {
  const channel = ctx.state.channel(param(request, 'channel_id'));
  if (!channel) throw DiscordErrors.unknownChannel();
  const botId = ctx.state.botUserId;
  const guild = ctx.state.guild(channel.guildId);
  if (!guild?.members.has(botId)) throw DiscordErrors.missingAccess();

  const permissions = ctx.state.channelPermissions(channel.id, botId);
  if (!hasPermission(permissions, PermissionFlags.VIEW_CHANNEL)) throw DiscordErrors.missingAccess();
  if (!TEXT_CAPABLE.has(channel.type)) throw DiscordErrors.nonTextChannel();
  if (!hasPermission(permissions, PermissionFlags.SEND_MESSAGES)) throw DiscordErrors.missingPermissions();

  const body = ctx.validator.validate<MessageCreateBody>('MessageCreateRequest', parseJsonBody(request));
  const errors = new FormErrors();
  checkMessageLimits(body, errors);
  if (!errors.isEmpty) throw DiscordErrors.invalidFormBody(errors.toTree());
  if (isEmpty(body)) throw DiscordErrors.emptyMessage();
  if ((body.embeds ?? []).length > 0 && !hasPermission(permissions, PermissionFlags.EMBED_LINKS)) {
    throw DiscordErrors.missingPermissions();
  }

  const message: ApiMessage = {
    id: ctx.state.ids.next(),
    type: 0,
    channel_id: channel.id,
    guild_id: channel.guildId,
    author: toApiUser(ctx.state.requireUser(botId)),
    content: body.content ?? '',
    embeds: (body.embeds ?? []).map((embed) => ({
      type: 'rich',
      ...(withoutNulls(embed) as Record<string, unknown>),
    })),
    timestamp: new Date(ctx.now()).toISOString(),
    edited_timestamp: null,
    tts: body.tts ?? false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    components: [],
    pinned: false,
    flags: body.flags ?? 0,
  };
  if (body.nonce !== undefined && body.nonce !== null) message.nonce = body.nonce;
  ctx.state.recordMessage(message);
  return { status: 200, body: message };
}

/** Message routes of the REST API. */
export function messageRoutes(ctx: RestContext): RouteDefinition[] {
  return [
    {
      method: 'POST',
      template: '/channels/{channel_id}/messages',
      auth: 'bot',
      limit: ctx.buckets['create-message'],
      majorParameter: 'channel_id',
      handle: (request) => createMessage(ctx, request),
    },
  ];
}
