import { describe, expect, it } from '@jest/globals';
import { DEFAULT_QUEUE_PREFIX, parseQueuePrefix } from './queue-prefix';

describe('parseQueuePrefix', () => {
  it('defaults to inflow when nothing is configured', () => {
    expect(parseQueuePrefix(undefined)).toBe(DEFAULT_QUEUE_PREFIX);
    expect(parseQueuePrefix('')).toBe('inflow');
  });

  it.each(['inflow', '{inflow}', 'inflow-staging', 'inflow:eu-1', '{inflow}:eu-1', 'test.run_3'])(
    'accepts %s',
    (prefix) => {
      expect(parseQueuePrefix(prefix)).toBe(prefix);
    },
  );

  it.each(['in flow', 'inflow}', '{inflow', 'a{b}', '{a}{b}', '{}', 'inflow*', 'inflow\n'])(
    'rejects %j',
    (prefix) => {
      expect(() => parseQueuePrefix(prefix)).toThrow(/Invalid queue prefix/);
    },
  );
});
