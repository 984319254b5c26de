export { startEmulator, type DiscordEmulator } from './emulator';
export { type EmulatorOptions } from './emulator-options';
export {
  EmulatorState,
  ControlError,
  DEMO_BOT_PERMISSIONS,
  type BotRolePlacement,
  type CreateChannelInput,
  type CreateGuildInput,
  type CreateRoleInput,
  type CreateUserInput,
  type DemoSeed,
  type DispatchName,
  type GuildDispatch,
  type InstallBotInput,
  type JoinInput,
  type OverwriteInput,
  type UpdateChannelInput,
  type UpdateRoleInput,
} from './state/emulator-state';
export {
  ChannelType,
  type ApiMessage,
  type ApiMember,
  type ApiRole,
  type ApiChannel,
  type ApiUser,
} from './state/entities';
export { Faults, type FaultsSnapshot, type RateLimitStorm } from './faults/faults';
export { Stats, type RequestFilter, type RequestLogEntry, type StatsSnapshot } from './stats/stats';
export { RateLimiter, type BanRecord, type RateLimitScope } from './rate-limit/rate-limiter';
export { DEFAULT_ROUTE_BUCKETS, type BucketLimit, type RouteBucketName } from './rest/route-buckets';
export { type EmulatorInfo } from './control/control.routes';
export { PermissionFlags } from './discord/permission-flags';
export { GatewayIntents, type PrivilegedIntents } from './discord/intents';
