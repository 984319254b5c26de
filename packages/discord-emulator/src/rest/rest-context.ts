import { type RequestValidator } from '../discord/request-validator';
import { type RouteLimit } from '../rate-limit/rate-limiter';
import { type EmulatorState } from '../state/emulator-state';
import { type RouteBucketName } from './route-buckets';

/** `GET /gateway/bot` as the gateway currently reports it. */
export interface GatewayBotInfo {
  url: string;
  shards: number;
  session_start_limit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
}

/** The application the emulator plays, as OAuth and `/oauth2/@me` describe it. */
export interface ApplicationInfo {
  id: string;
  name: string;
  clientSecret: string;
  redirectUris: readonly string[];
}

/** What REST and OAuth route handlers work with. */
export interface RestContext {
  state: EmulatorState;
  validator: RequestValidator;
  buckets: Record<RouteBucketName, RouteLimit>;
  application: ApplicationInfo;
  gatewayInfo(): GatewayBotInfo;
  now(): number;
}
