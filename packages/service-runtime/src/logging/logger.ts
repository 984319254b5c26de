import { pino, type DestinationStream, type Logger } from 'pino';
import { type LogLevel } from '../env/env-fields';
import { serializeError } from './error.serializer';
import { REDACT_PATHS } from './redact-paths';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** The service name, written as `service` on every line. */
  service: string;
  /** The lowest level written. */
  level: LogLevel;
  /** Where the JSON lines go. Default: stdout, written synchronously (see below). */
  destination?: DestinationStream;
}

/**
 * One JSON object per line with `level` as a label, an ISO `time` and the `service` name, with secrets
 * and personal data censored (see REDACT_PATHS) and errors reduced by serializeError.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    // Synchronous: with pino's asynchronous default, the lines written just before process.exit (the
    // last closers, "exiting", a fatal error) can arrive out of order. Services log little enough that
    // a blocking write costs nothing measurable.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
