import type { BenchStack } from './bench-stack';
import { residentMemoryMb } from './service-process';

/** Resident memory of each running service process, keyed `name` (or `name #n` for replicas beyond the first). */
export function serviceMemory(stack: BenchStack): Map<string, number> {
  const memory = new Map<string, number>();
  for (const process of stack.running()) {
    const key = process.replica === 1 ? process.name : `${process.name} #${process.replica}`;
    memory.set(key, residentMemoryMb(process.pid));
  }
  return memory;
}
