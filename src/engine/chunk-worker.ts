import { parentPort, workerData } from 'node:worker_threads';
import { ChunkOps, type OpReq } from './chunk-ops.js';
import { minorGcEvery } from './gc-hint.js';

const afterBatch = minorGcEvery(4);

// Worker thread entry: runs ChunkOps on shared memory slots; messages carry only small descriptors.
const ops = new ChunkOps(workerData.sab as SharedArrayBuffer, workerData.align as number);
parentPort!.on('message', (msg: { seq: number; req: OpReq }) => {
  try {
    parentPort!.postMessage({ seq: msg.seq, res: ops.run(msg.req) });
    afterBatch();
  } catch (e) {
    parentPort!.postMessage({ seq: msg.seq, error: String((e as Error)?.stack ?? e) });
  }
});
