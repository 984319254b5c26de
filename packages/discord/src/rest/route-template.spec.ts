import { describe, expect, it } from '@jest/globals';
import { routeTemplate } from './route-template';

describe('routeTemplate', () => {
  it.each([
    [
      'http://127.0.0.1:5055/api/v10/guilds/1380000000000000100/members/1380000000000000200/roles/1380000000000000300',
      '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
    ],
    ['https://discord.com/api/v10/channels/987654321098765432/messages', '/channels/{channel_id}/messages'],
    ['https://discord.com/api/v10/guilds/987654321098765432?with_counts=true', '/guilds/{guild_id}'],
    ['https://discord.com/api/v10/users/@me', '/users/@me'],
    ['https://discord.com/api/v10/users/%40me', '/users/@me'],
    ['https://discord.com/api/v10/oauth2/token', '/oauth2/token'],
    ['/guilds/987654321098765432/roles', '/guilds/{guild_id}/roles'],
    ['/stickers/987654321098765432', '/stickers/{id}'],
  ])('%s → %s', (url, template) => {
    expect(routeTemplate(url)).toBe(template);
  });
});
