import { beforeEach, describe, expect, it } from '@jest/globals';
import { DiscordError } from '../discord/discord-error';
import { RequestValidator } from '../discord/request-validator';
import { type ApiMessage } from '../state/entities';
import { type ApiRequest, type RouteDefinition } from '../http/api-types';
import { EmulatorState, type DemoSeed } from '../state/emulator-state';
import { messageRoutes, NONCE_WINDOW_MS } from './message.routes';
import { resolveRouteBuckets } from './route-buckets';

const BOT = '1380000000000000001';
const validator = new RequestValidator();

describe('POST /channels/{channel_id}/messages with nonce and enforce_nonce', () => {
  let state: EmulatorState;
  let seed: DemoSeed;
  let clock: number;
  let route: RouteDefinition;

  beforeEach(() => {
    clock = Date.parse('2026-11-24T10:00:00Z');
    state = new EmulatorState({
      botUserId: BOT,
      botUsername: 'Inflow',
      applicationId: BOT,
      tokenTtlSeconds: 60,
    });
    seed = state.seedDemo();
    [route] = messageRoutes({
      state,
      validator,
      buckets: resolveRouteBuckets({}),
      application: { id: BOT, name: 'Inflow', clientSecret: 'secret', redirectUris: [] },
      gatewayInfo: () => {
        throw new Error('not used');
      },
      now: () => clock,
    }) as [RouteDefinition];
  });

  async function post(channelId: string, body: Record<string, unknown>): Promise<ApiMessage> {
    const request: ApiRequest = {
      method: 'POST',
      path: `/channels/${channelId}/messages`,
      params: { channel_id: channelId },
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify(body)),
      ip: '127.0.0.1',
      principal: { kind: 'bot' },
    };
    const response = await route.handle(request);
    expect(response.status).toBe(200);
    return response.body as ApiMessage;
  }

  it('returns the first message for a repeat of an enforced nonce instead of posting again', async () => {
    const first = await post(seed.paymentsChannelId, { content: 'paid', nonce: 'n-1', enforce_nonce: true });
    clock += NONCE_WINDOW_MS - 1;
    const repeat = await post(seed.paymentsChannelId, {
      content: 'paid again',
      nonce: 'n-1',
      enforce_nonce: true,
    });
    expect(repeat).toEqual(first);
    expect(state.messages(seed.paymentsChannelId)).toEqual([first]);
  });

  it('scopes the nonce to its author, not to the channel', async () => {
    const first = await post(seed.paymentsChannelId, { content: 'one', nonce: 'n-2', enforce_nonce: true });
    const elsewhere = await post(seed.generalChannelId, {
      content: 'two',
      nonce: 'n-2',
      enforce_nonce: true,
    });
    expect(elsewhere).toEqual(first);
    expect(state.messages(seed.generalChannelId)).toEqual([]);
  });

  it('treats a number and its decimal string as the same nonce', async () => {
    const first = await post(seed.paymentsChannelId, { content: 'one', nonce: 42, enforce_nonce: true });
    expect(await post(seed.paymentsChannelId, { content: 'two', nonce: '42', enforce_nonce: true })).toEqual(
      first,
    );
  });

  it('posts again once the window has passed', async () => {
    await post(seed.paymentsChannelId, { content: 'one', nonce: 'n-3', enforce_nonce: true });
    clock += NONCE_WINDOW_MS;
    await post(seed.paymentsChannelId, { content: 'two', nonce: 'n-3', enforce_nonce: true });
    expect(state.messages(seed.paymentsChannelId).map((m) => m.content)).toEqual(['one', 'two']);
  });

  it('does not deduplicate without enforce_nonce, and keeps the nonce on the message', async () => {
    const first = await post(seed.paymentsChannelId, { content: 'one', nonce: 'n-4' });
    await post(seed.paymentsChannelId, { content: 'two', nonce: 'n-4', enforce_nonce: false });
    expect(first.nonce).toBe('n-4');
    expect(state.messages(seed.paymentsChannelId)).toHaveLength(2);
    // A message posted without enforcement does not claim the nonce for later enforced posts.
    await post(seed.paymentsChannelId, { content: 'three', nonce: 'n-4', enforce_nonce: true });
    expect(state.messages(seed.paymentsChannelId)).toHaveLength(3);
  });

  it('still refuses a repeat the channel no longer accepts', async () => {
    await post(seed.paymentsChannelId, { content: 'one', nonce: 'n-5', enforce_nonce: true });
    state.removeBot(seed.guildId);
    await expect(
      post(seed.paymentsChannelId, { content: 'one', nonce: 'n-5', enforce_nonce: true }),
    ).rejects.toMatchObject({ constructor: DiscordError, code: 50001 });
  });
});
