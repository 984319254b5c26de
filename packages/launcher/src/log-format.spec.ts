import { describe, expect, it } from '@jest/globals';
import { formatLogLine } from './log-format';

describe('formatLogLine', () => {
  it('reads a pino line as time, service, level, message and fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-11-26T12:00:01.123Z',
      service: 'api',
      msg: 'listening',
      port: 3000,
    });
    expect(formatLogLine('api', line, false)).toBe('12:00:01 api                 info  listening port=3000');
  });

  it('passes through lines that are not JSON objects', () => {
    expect(formatLogLine('api', 'api: invalid configuration: PORT must be an integer', false)).toBe(
      'api                 api: invalid configuration: PORT must be an integer',
    );
    expect(formatLogLine('api', '42', false)).toBe('api                 42');
  });
});
