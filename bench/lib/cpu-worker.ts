// One core's throughput for one of the engine's per-byte operations, measured in a worker thread so that the
// bench can load both cores at once. Input: { op, data (a sample of the bench's own source), seconds }.
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import binding from 'zstd-napi/binding.js';

export type CpuOp = 'hmac-sha256' | 'zstd-3' | 'unzstd' | 'aes-256-gcm';
interface Input {
  op: CpuOp;
  data: Uint8Array;
  seconds: number;
}

const CHUNK = 64 * 1024;
const GROUP = 16 * CHUNK;
const { op, data, seconds } = workerData as Input;
const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const key = randomBytes(32);
const cctx = new binding.CCtx();
const dctx = new binding.DCtx();
const out = Buffer.allocUnsafe(binding.compressBound(GROUP));
const frames: Buffer[] = [];
if (op === 'unzstd') {
  for (let p = 0; p + GROUP <= src.length; p += GROUP) {
    const n = cctx.compress(out, src.subarray(p, p + GROUP), 3);
    frames.push(Buffer.from(out.subarray(0, n)));
  }
}
const plain = Buffer.allocUnsafe(GROUP);

/** Processes the whole sample once; returns the source bytes it covered. */
function pass(): number {
  let bytes = 0;
  switch (op) {
    case 'hmac-sha256':
      for (let p = 0; p + CHUNK <= src.length; p += CHUNK, bytes += CHUNK)
        createHmac('sha256', key)
          .update(src.subarray(p, p + CHUNK))
          .digest();
      break;
    case 'zstd-3':
      for (let p = 0; p + GROUP <= src.length; p += GROUP, bytes += GROUP)
        cctx.compress(out, src.subarray(p, p + GROUP), 3);
      break;
    case 'unzstd':
      for (const f of frames) bytes += dctx.decompress(plain, f);
      break;
    case 'aes-256-gcm':
      for (let p = 0; p + GROUP <= src.length; p += GROUP, bytes += GROUP) {
        const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
        c.update(src.subarray(p, p + GROUP));
        c.final();
        c.getAuthTag();
      }
      break;
  }
  return bytes;
}

const t0 = performance.now();
let bytes = 0;
while (performance.now() - t0 < seconds * 1000) bytes += pass();
parentPort?.postMessage({ bytes, seconds: (performance.now() - t0) / 1000 });
