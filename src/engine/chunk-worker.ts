import { parentPort, workerData } from 'node:worker_threads';
import { ChunkOps, type OpReq } from './chunk-ops.js';

// Worker thread entry: runs ChunkOps on shared memory slots; messages carry only small descriptors.
const ops = new ChunkOps(workerData.sab as SharedArrayBuffer);
parentPort!.on('message', (msg: { seq: number; req: OpReq }) => {
  try {
    parentPort!.postMessage({ seq: msg.seq, res: ops.run(msg.req) });
  } catch (e) {
    parentPort!.postMessage({ seq: msg.seq, error: String((e as Error)?.stack ?? e) });
  }
});
