import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PAGE, findPageAlignment } from '../objects/direct-io.js';
import {
  ChunkOps,
  type HashReq,
  type HashRes,
  type OpReq,
  type OpenReq,
  type OpenRes,
  SLOT_BYTES,
  type SealReq,
  type SealRes,
  type SlotViews,
  slotViews,
} from './chunk-ops.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * A fixed set of shared-memory slots (bounded memory: the slot count caps data in flight) and worker threads
 * that run ChunkOps on them. With `workers: 0` the ops run inline on the calling thread.
 */
export class WorkerPool {
  readonly sab: SharedArrayBuffer;
  private readonly free: number[] = [];
  private readonly waiters: Array<(slot: number) => void> = [];
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private inline?: ChunkOps;
  private closed = false;
  private broken: Error | null = null;

  /** Byte offset in `sab` where slot 0 starts: page-aligned memory, so restores can write with O_DIRECT. */
  readonly align: number;

  constructor(workers: number, slots: number, probeDir?: string) {
    this.sab = new SharedArrayBuffer(SLOT_BYTES * slots + PAGE);
    this.align = probeDir ? Math.max(0, findPageAlignment(this.sab, probeDir)) : 0;
    for (let i = 0; i < slots; i++) this.free.push(i);
    if (workers <= 0) {
      this.inline = new ChunkOps(this.sab, this.align);
      return;
    }
    const url = workerUrl();
    for (let w = 0; w < workers; w++) {
      // From source (tests under tsx) the worker registers tsx itself before loading the .ts entry.
      const worker = url.pathname.endsWith('.ts')
        ? new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
            { eval: true, workerData: { sab: this.sab, align: this.align } },
          )
        : new Worker(url, { workerData: { sab: this.sab, align: this.align } });
      worker.unref();
      worker.on('message', (m: { seq: number; res?: unknown; error?: string }) => {
        const p = this.pending.get(m.seq);
        if (!p) return;
        this.pending.delete(m.seq);
        if (--this.busy[w]! === 0) this.workers[w]!.unref();
        if (m.error) p.reject(new Error(`chunk worker failed: ${m.error}`));
        else p.resolve(m.res);
      });
      // A dead worker fails everything in flight and every later call (fail-stop: no hanging backups).
      const fail = (e: Error) => {
        this.broken ??= e;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`chunk worker exited (code ${code})`)));
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  get slotCount(): number {
    return Math.floor(this.sab.byteLength / SLOT_BYTES);
  }

  views(slot: number): SlotViews {
    return slotViews(this.sab, slot, this.align);
  }

  acquire(): Promise<number> {
    const s = this.free.pop();
    if (s !== undefined) return Promise.resolve(s);
    return new Promise((r) => this.waiters.push(r));
  }

  release(slot: number): void {
    const w = this.waiters.shift();
    if (w) w(slot);
    else this.free.push(slot);
  }

  run(req: HashReq): Promise<HashRes>;
  run(req: SealReq): Promise<SealRes>;
  run(req: OpenReq): Promise<OpenRes>;
  run(req: OpReq): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('worker pool closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (this.inline) {
      try {
        return Promise.resolve(this.inline.run(req));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.busy[i]! < this.busy[w]!) w = i;
    const seq = ++this.seq;
    if (this.busy[w]!++ === 0) this.workers[w]!.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.workers[w]!.postMessage({ seq, req });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function workerUrl(): URL {
  const js = new URL('./chunk-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  return new URL('./chunk-worker.ts', import.meta.url); // running from source under tsx
}
