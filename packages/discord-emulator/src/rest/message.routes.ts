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
  enforce_nonce?: boolean | null;
}

/**
 * How long an enforced nonce keeps its message. Discord documents only "the past few minutes"; the low
 * end is assumed, so that a client relying on a longer window fails here before it fails on Discord.
 */
export const NONCE_WINDOW_MS = 120_000;

interface NonceRecord {
  channelId: string;
  messageId: string;
  at: number;
}

/**
 * Messages created with `enforce_nonce`, by author and nonce, oldest first: a repeat within the window
 * returns the first message instead of creating another, as Discord does for retried posts.
 */
class NonceLedger {
  private readonly records = new Map<string, NonceRecord>();

  constructor(private readonly state: RestContext['state']) {}

  find(authorId: string, nonce: string | number, now: number): ApiMessage | undefined {
    this.forgetUntil(now - NONCE_WINDOW_MS);
    const record = this.records.get(key(authorId, nonce));
    if (!record) return undefined;
    // The state may have been reset since: a message that no longer exists is not returned.
    return this.state.messages(record.channelId).find((message) => message.id === record.messageId);
  }

  remember(authorId: string, nonce: string | number, message: ApiMessage, now: number): void {
    const name = key(authorId, nonce);
    // Re-inserted rather than overwritten, so that the map stays in time order.
    this.records.delete(name);
    this.records.set(name, { channelId: message.channel_id, messageId: message.id, at: now });
  }

  /** Forgets records made at or before `cutoff`. */
  private forgetUntil(cutoff: number): void {
    // Insertion order is time order, so the expired records are the first ones.
    for (const [name, record] of this.records) {
      if (record.at > cutoff) break;
      this.records.delete(name);
    }
  }
}

// Discord serialises nonces as strings, so 42 and "42" are the same nonce.
function key(authorId: string, nonce: string | number): string {
  return `${authorId}:${String(nonce)}`;
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

function createMessage(ctx: RestContext, nonces: NonceLedger, request: ApiRequest): ApiResponse {
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

  const nonce = body.nonce ?? undefined;
  const enforced = body.enforce_nonce === true && nonce !== undefined;
  if (enforced) {
    const first = nonces.find(botId, nonce, ctx.now());
    if (first) return { status: 200, body: first };
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
  if (nonce !== undefined) message.nonce = nonce;
  ctx.state.recordMessage(message);
  if (enforced) nonces.remember(botId, nonce, message, ctx.now());
  return { status: 200, body: message };
}

/** Message routes of the REST API. */
export function messageRoutes(ctx: RestContext): RouteDefinition[] {
  const nonces = new NonceLedger(ctx.state);
  return [
    {
      method: 'POST',
      template: '/channels/{channel_id}/messages',
      auth: 'bot',
      limit: ctx.buckets['create-message'],
      majorParameter: 'channel_id',
      handle: (request) => createMessage(ctx, nonces, request),
    },
  ];
}
