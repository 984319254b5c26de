/** The parts of a V8 `.cpuprofile` (node --cpu-prof) the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  /** Microseconds before each sample. */
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Of the busy time (idle excluded). */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  byPackage: ProfileShare[];
  byFunction: ProfileShare[];
}

/** Who owns a script: an npm package, a package or service of this repo, node itself, or V8. */
export function ownerOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(idle)') return '(idle)';
    return '(V8 and native code)';
  }
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') === true ? `${scope}/${name}` : (scope ?? url);
  }
  const own = /\/(packages|services)\/([^/]+)\//.exec(url);
  if (own !== null) return own[1] === 'packages' ? `@inflow/${own[2]}` : `services/${own[2]}`;
  return url;
}

function top(totals: Map<string, number>, busyMs: number, limit: number): ProfileShare[] {
  return [...totals]
    .map(([name, ms]) => ({ name, ms, share: busyMs === 0 ? 0 : ms / busyMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

/** Self time by package and by function, from a CPU profile's samples. */
export function summariseProfile(profile: CpuProfile, limit = 15): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) return;
    const owner = ownerOf(frame.url, frame.functionName);
    if (owner === '(idle)') {
      idleMs += ms;
      return;
    }
    busyMs += ms;
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + ms);
    const fn = `${frame.functionName || '(anonymous)'} (${owner}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`})`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  });
  return {
    busyMs,
    idleMs,
    byPackage: top(byPackage, busyMs, limit),
    byFunction: top(byFunction, busyMs, limit),
  };
}

/** The summary as text lines, for notes and a results file. */
export function formatProfile(summary: ProfileSummary): string[] {
  const line = (item: ProfileShare) =>
    `${(item.share * 100).toFixed(1).padStart(5)} %  ${item.ms.toFixed(0).padStart(7)} ms  ${item.name}`;
  return [
    `busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`,
    'self time by package:',
    ...summary.byPackage.map(line),
    'self time by function:',
    ...summary.byFunction.map(line),
  ];
}
