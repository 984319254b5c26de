import { describe, expect, it } from '@jest/globals';
import { formatProfile, ownerOf, summariseProfile, type CpuProfile } from './cpu-profile';

describe('ownerOf', () => {
  it('names npm packages (scoped or not), this repo, node and V8', () => {
    expect(
      ownerOf('file:///work/main/node_modules/.pnpm/typeorm@1.0.0/node_modules/typeorm/query.js', 'f'),
    ).toBe('typeorm');
    expect(ownerOf('file:///r/node_modules/.pnpm/@swc+core@1/node_modules/@swc/core/index.js', 'f')).toBe(
      '@swc/core',
    );
    expect(ownerOf('file:///work/main/packages/db/dist/database.js', 'f')).toBe('@inflow/db');
    expect(ownerOf('file:///work/main/services/api/dist/app.js', 'f')).toBe('services/api');
    expect(ownerOf('node:internal/streams/readable', 'f')).toBe('node internals');
    expect(ownerOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(ownerOf('', '(program)')).toBe('(V8 and native code)');
  });
});

describe('summariseProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      {
        id: 2,
        callFrame: { functionName: 'query', url: 'file:///x/node_modules/pg/lib/client.js', lineNumber: 9 },
      },
      {
        id: 3,
        callFrame: { functionName: 'ingest', url: 'file:///x/services/api/dist/e.js', lineNumber: 0 },
      },
    ],
    samples: [1, 2, 2, 3, 2],
    timeDeltas: [5000, 1000, 1000, 2000, 1000],
  };

  it('adds self time per package and function, idle apart', () => {
    const summary = summariseProfile(profile);
    expect(summary.idleMs).toBe(5);
    expect(summary.busyMs).toBe(5);
    expect(summary.byPackage).toEqual([
      { name: 'pg', ms: 3, share: 0.6 },
      { name: 'services/api', ms: 2, share: 0.4 },
    ]);
    expect(summary.byFunction[0]).toEqual({ name: 'query (pg:10)', ms: 3, share: 0.6 });
    expect(formatProfile(summary)[2]).toBe(' 60.0 %        3 ms  pg');
  });
});
