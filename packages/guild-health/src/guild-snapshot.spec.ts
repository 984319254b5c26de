import { describe, expect, it } from '@jest/globals';
import type { DiscordBotClient } from '@inflow/discord';
import { readGuildSnapshot } from './guild-snapshot';

/** A bot whose reads are recorded; `getGuild` answers with `guild` or throws it. */
function recordingBot(guild: { id: string; name: string; owner_id: string } | Error) {
  const calls: string[] = [];
  const read =
    <T>(name: string, value: () => T) =>
    (): Promise<T> => {
      calls.push(name);
      try {
        return Promise.resolve(value());
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
  const bot = {
    getGuild: read('guild', () => {
      if (guild instanceof Error) throw guild;
      return guild;
    }),
    getGuildRoles: read('roles', () => [{ id: 'r1' }]),
    getGuildChannels: read('channels', () => [{ id: 'c1' }]),
    getBotMember: read('member', () => ({ user: { id: 'bot' }, roles: ['r1'] })),
  } as unknown as DiscordBotClient;
  return { bot, calls };
}

describe('readGuildSnapshot', () => {
  it('reads roles, channels and the bot member once the guild is read', async () => {
    const { bot, calls } = recordingBot({ id: 'g1', name: 'Guild', owner_id: 'o1' });
    await expect(readGuildSnapshot(bot, 'g1')).resolves.toEqual({
      guild: { id: 'g1', name: 'Guild', owner_id: 'o1' },
      roles: [{ id: 'r1' }],
      channels: [{ id: 'c1' }],
      botMember: { userId: 'bot', roles: ['r1'] },
    });
    expect(calls.sort()).toEqual(['channels', 'guild', 'member', 'roles']);
  });

  it('sends no other read when the guild cannot be read (the bot was removed): each would be refused too', async () => {
    const unknownGuild = new Error('Discord GET /guilds/g1 failed (404 code 10004)');
    const { bot, calls } = recordingBot(unknownGuild);
    await expect(readGuildSnapshot(bot, 'g1')).rejects.toBe(unknownGuild);
    expect(calls).toEqual(['guild']);
  });
});
