const LEVEL_COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const HIDDEN_FIELDS = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname']);

/**
 * Turns one pino JSON line of a service into a line a person reads in a terminal:
 * `12:00:01 api          info  listening port=3000`. Lines that are not JSON pass through as they are.
 */
export function formatLogLine(service: string, line: string, colour: boolean): string {
  const label = service.padEnd(19);
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return `${label} ${line}`;
    record = parsed as Record<string, unknown>;
  } catch {
    return `${label} ${line}`;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '        ';
  const level = typeof record.level === 'string' ? record.level : 'info';
  const message = typeof record.msg === 'string' ? record.msg : '';
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelText = colour ? `${LEVEL_COLOURS[level] ?? ''}${level.padEnd(5)}${RESET}` : level.padEnd(5);
  return `${time} ${label} ${levelText} ${message}${fields === '' ? '' : ` ${fields}`}`;
}
