import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Buffers the engine allocates per batch (ciphertexts, fetched pack ranges) live outside the V8 heap, and V8 only
// collects them after ~64 MiB have piled up per thread. A cheap minor GC every few batches keeps RSS bounded.
// (--expose-gc only makes `gc` reachable from a fresh context; it changes nothing else in the process.)
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;

/** Returns a function to call once per batch; it runs a minor GC every `every` calls. */
export function minorGcEvery(every: number): () => void {
  let n = 0;
  return () => {
    if (++n % every === 0) gc({ type: 'minor' });
  };
}
