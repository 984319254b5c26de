export { readGuildSnapshot, type GuildSnapshot } from './guild-snapshot';
export {
  diagnoseSnapshot,
  GuildHealthService,
  type DiagnosisTargets,
  type GuildHealthReport,
} from './guild-health.service';
