import type { BenchStack } from './bench-stack';
import { residentMemoryMb } from './service-process';

/** One service process's memory: what the kernel counts, and what V8 says it holds (from /metrics). */
export interface ProcessMemory {
  rssMb: number;
  /** V8 heap committed and in use; null when /metrics did not answer. */
  heapTotalMb: number | null;
  heapUsedMb: number | null;
  /** Memory of Buffers and other objects outside the V8 heap. */
  externalMb: number | null;
}

/** The value of an unlabelled-or-single-series Prometheus metric in a /metrics text, or null. */
export function metricValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)$`, 'm').exec(text);
  if (match?.[1] === undefined) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

const MB = 1024 * 1024;

async function heapOf(
  port: number,
): Promise<Pick<ProcessMemory, 'heapTotalMb' | 'heapUsedMb' | 'externalMb'>> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    const mb = (name: string) => {
      const value = metricValue(text, name);
      return value === null ? null : value / MB;
    };
    return {
      heapTotalMb: mb('nodejs_heap_size_total_bytes'),
      heapUsedMb: mb('nodejs_heap_size_used_bytes'),
      externalMb: mb('nodejs_external_memory_bytes'),
    };
  } catch {
    return { heapTotalMb: null, heapUsedMb: null, externalMb: null };
  }
}

/** Memory of each running service process, keyed `name` (or `name #n` for replicas beyond the first). */
export async function serviceMemory(stack: BenchStack): Promise<Map<string, ProcessMemory>> {
  const memory = new Map<string, ProcessMemory>();
  for (const service of stack.running()) {
    const key = service.replica === 1 ? service.name : `${service.name} #${service.replica}`;
    // RSS first: reading /metrics allocates in the process being measured.
    const rssMb = residentMemoryMb(service.pid);
    memory.set(key, { rssMb, ...(await heapOf(service.port)) });
  }
  return memory;
}
