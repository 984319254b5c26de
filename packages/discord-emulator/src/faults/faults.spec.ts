import { describe, expect, it } from '@jest/globals';
import { Faults } from './faults';

function sequence(values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] ?? 0;
}

describe('Faults', () => {
  it('draws latency within the configured range', () => {
    const faults = new Faults(Date.now, sequence([0, 0.5, 1]));
    faults.setLatency({ minMs: 100, maxMs: 300 });
    expect([faults.nextLatencyMs(), faults.nextLatencyMs(), faults.nextLatencyMs()]).toEqual([100, 200, 300]);
    faults.setLatency(50);
    expect(faults.nextLatencyMs()).toBe(50);
    expect(() => faults.setLatency({ minMs: 5, maxMs: 1 })).toThrow(RangeError);
  });

  it('answers the configured share of requests with a 5xx', () => {
    const faults = new Faults(Date.now, sequence([0.1, 0.99, 0.6, 0.2]));
    faults.setServerErrorRate(0.5, [500, 503]);
    expect(faults.nextServerError()).toBe(503);
    expect(faults.nextServerError()).toBeUndefined();
    expect(() => faults.setServerErrorRate(0.5, [404])).toThrow(RangeError);
  });

  it('runs a 429 storm for its duration, optionally for one route', () => {
    const clock = { now: 1000 };
    const faults = new Faults(() => clock.now);
    faults.startRateLimitStorm({ scope: 'shared', durationMs: 500, route: '/roles/' });
    expect(faults.activeStorm('/guilds/{guild_id}/members/{user_id}/roles/{role_id}')?.scope).toBe('shared');
    expect(faults.activeStorm('/channels/{channel_id}/messages')).toBeUndefined();
    clock.now = 1500;
    expect(faults.activeStorm('/guilds/{guild_id}/members/{user_id}/roles/{role_id}')).toBeUndefined();
  });

  it('drops only the requested number of connections', () => {
    const faults = new Faults();
    faults.dropHttpConnections({ count: 2 });
    expect([faults.nextDrop(), faults.nextDrop(), faults.nextDrop()]).toEqual([true, true, false]);
  });

  it('needs an attached gateway for gateway faults', () => {
    const faults = new Faults();
    expect(() => faults.forceReconnect()).toThrow(/no gateway/);
    faults.attachGateway({
      dropConnections: () => 3,
      requestReconnect: () => 2,
      invalidateSessions: (r) => (r ? 1 : 0),
    });
    expect([
      faults.dropGatewayConnections(),
      faults.forceReconnect(),
      faults.forceInvalidSession(true),
    ]).toEqual([3, 2, 1]);
  });
});
