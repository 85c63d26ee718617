import { availableParallelism } from 'node:os';

/** `workers: auto` is one worker per CPU core the process may use; 1 means no cluster at all. */
export function resolveWorkers(setting: number | 'auto', cores: number = availableParallelism()): number {
  return setting === 'auto' ? Math.max(1, cores) : setting;
}
