import { type FormErrorTree } from './form-errors';

/** The JSON error body Discord sends for every non-OAuth failure. */
export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: FormErrorTree;
}

/** A Discord API failure that the HTTP layer turns into `status` + `{code, message, errors?}`. */
export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrorTree,
  ) {
    super(message);
    this.name = 'DiscordError';
  }

  toBody(): DiscordErrorBody {
    return this.errors === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, errors: this.errors };
  }
}

// Messages are Discord's own wording, so clients that log or match them behave as in production.
export const DiscordErrors = {
  unauthorized: () => new DiscordError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new DiscordError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => new DiscordError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordError(404, 10007, 'Unknown Member'),
  unknownRole: () => new DiscordError(404, 10011, 'Unknown Role'),
  unknownUser: () => new DiscordError(404, 10013, 'Unknown User'),
  maxGuilds: (max: number) => new DiscordError(400, 30001, `Maximum number of guilds reached (${max})`),
  bannedFromGuild: () => new DiscordError(403, 40007, 'The user is banned from this guild.'),
  missingAccess: () => new DiscordError(403, 50001, 'Missing Access'),
  emptyMessage: () => new DiscordError(400, 50006, 'Cannot send an empty message'),
  nonTextChannel: () => new DiscordError(400, 50008, 'Cannot send messages in a non-text channel'),
  missingPermissions: () => new DiscordError(403, 50013, 'Missing Permissions'),
  invalidOAuthToken: () => new DiscordError(403, 50025, 'Invalid OAuth2 access token'),
  invalidFormBody: (errors: FormErrorTree) => new DiscordError(400, 50035, 'Invalid Form Body', errors),
  invalidJson: () => new DiscordError(400, 50109, 'The request body contains invalid JSON.'),
  internal: () => new DiscordError(500, 0, '500: Internal Server Error'),
} as const;
