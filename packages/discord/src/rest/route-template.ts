// The parameter a snowflake stands for, named by the path segment before it (Discord's docs use these names).
const PARAMETER_AFTER: Readonly<Record<string, string>> = {
  guilds: 'guild_id',
  channels: 'channel_id',
  members: 'user_id',
  users: 'user_id',
  roles: 'role_id',
  messages: 'message_id',
  applications: 'application_id',
  webhooks: 'webhook_id',
};

const SNOWFLAKE = /^\d{15,21}$/;

// discord-api-types' Routes encode segments (`@me` becomes `%40me`); templates read better decoded.
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The route template of a request URL, for metrics and errors: the path after the API version, with
 * ids replaced by their parameter name and the query dropped. Low-cardinality and free of ids and tokens:
 * `https://discord.com/api/v10/guilds/1/members/2/roles/3` → `/guilds/{guild_id}/members/{user_id}/roles/{role_id}`.
 */
export function routeTemplate(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  const versioned = /\/v\d+(\/.*)$/.exec(path);
  const segments = (versioned?.[1] ?? path).split('/');
  return segments
    .map((segment, index) => {
      if (!SNOWFLAKE.test(segment)) return decodeSegment(segment);
      const previous = segments[index - 1] ?? '';
      return `{${PARAMETER_AFTER[previous] ?? 'id'}}`;
    })
    .join('/');
}
