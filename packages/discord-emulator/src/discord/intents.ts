/** Gateway intents the emulator routes events by (https://discord.com/developers/docs/events/gateway#gateway-intents). */
export const GatewayIntents = {
  GUILDS: 1n << 0n,
  GUILD_MEMBERS: 1n << 1n,
  GUILD_MODERATION: 1n << 2n,
  GUILD_MESSAGES: 1n << 9n,
  GUILD_PRESENCES: 1n << 8n,
  MESSAGE_CONTENT: 1n << 15n,
} as const;

/** Every intent bit Discord defines; identify with any other bit closes with 4013. */
export const VALID_INTENTS =
  (1n << 0n) |
  (1n << 1n) |
  (1n << 2n) |
  (1n << 3n) |
  (1n << 4n) |
  (1n << 5n) |
  (1n << 6n) |
  (1n << 7n) |
  (1n << 8n) |
  (1n << 9n) |
  (1n << 10n) |
  (1n << 11n) |
  (1n << 12n) |
  (1n << 13n) |
  (1n << 14n) |
  (1n << 15n) |
  (1n << 16n) |
  (1n << 20n) |
  (1n << 21n) |
  (1n << 24n) |
  (1n << 25n);

/** Which privileged intents the application has been granted in the developer portal. */
export interface PrivilegedIntents {
  guildMembers: boolean;
  guildPresences: boolean;
  messageContent: boolean;
}

/** The privileged bits of `intents` that the application has not been granted (non-zero means close 4014). */
export function disallowedIntents(intents: bigint, granted: PrivilegedIntents): bigint {
  let disallowed = 0n;
  if (!granted.guildMembers) disallowed |= intents & GatewayIntents.GUILD_MEMBERS;
  if (!granted.guildPresences) disallowed |= intents & GatewayIntents.GUILD_PRESENCES;
  if (!granted.messageContent) disallowed |= intents & GatewayIntents.MESSAGE_CONTENT;
  return disallowed;
}
