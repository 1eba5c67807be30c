import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkOps, type OpReq } from './chunk-ops.js';

// Every sealed chunk allocates its ciphertext outside the V8 heap; V8 only collects such garbage after ~64 MiB
// have piled up per thread. A cheap minor GC every few batches keeps each worker's footprint small.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
let batches = 0;

// Worker thread entry: runs ChunkOps on shared memory slots; messages carry only small descriptors.
const ops = new ChunkOps(workerData.sab as SharedArrayBuffer, workerData.align as number);
parentPort!.on('message', (msg: { seq: number; req: OpReq }) => {
  try {
    parentPort!.postMessage({ seq: msg.seq, res: ops.run(msg.req) });
    if (++batches % 4 === 0) gc({ type: 'minor' });
  } catch (e) {
    parentPort!.postMessage({ seq: msg.seq, error: String((e as Error)?.stack ?? e) });
  }
});
