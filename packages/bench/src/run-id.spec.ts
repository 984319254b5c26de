import { describe, expect, it } from '@jest/globals';
import { benchRunId } from './run-id';

describe('benchRunId', () => {
  it('has the test runs format, so parallel Jest runs keep its databases', () => {
    const id = benchRunId(1_700_000_000_000, 0.5);
    expect(id).toMatch(/^[0-9a-z]+x[0-9a-f]{4}$/);
    expect(parseInt(id.split('x')[0]!, 36)).toBe(1_700_000_000);
    expect(`inflow_t_${id}_template`).toMatch(/^inflow_t_([0-9a-z]+)x[0-9a-f]{4}_/);
  });
});
