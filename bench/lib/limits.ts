// The machine's limits, measured in the same run as the tools so that each figure can be read against the limit
// that binds it: durable sequential writes (fsync'd, and O_DIRECT), reads of the bench's source (cached, and
// O_DIRECT), and the per-byte CPU work of the engine (keyed hash, zstd, AES-GCM) on one core and on all cores.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CpuOp } from './cpu-worker.js';

export interface CpuLimit {
  /** MB of input per second on one core. */
  oneCoreMBps: number;
  /** MB of input per second with one worker per core. */
  allCoresMBps: number;
}

export interface Limits {
  cores: number;
  fsyncWriteMBps: number;
  directWriteMBps: number;
  cachedReadMBps: number;
  directReadMBps: number;
  cpu: Record<CpuOp, CpuLimit>;
}

const MIB = 1024 * 1024;
const worker = fileURLToPath(new URL('./cpu-worker.js', import.meta.url));

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

function dd(args: string[]): void {
  const r = spawnSync('dd', [...args, 'status=none']);
  if (r.status !== 0) throw new Error(`dd ${args.join(' ')}: ${r.stderr.toString()}`);
}

/** MB/s of writing `bytes` of zeros to a new file in `dir` with dd, made durable before dd ends. */
function writeMBps(dir: string, bytes: number, direct: boolean): number {
  const file = join(dir, 'limit.dd');
  rmSync(file, { force: true });
  const count = Math.max(1, Math.floor(bytes / (8 * MIB)));
  const flags = direct ? ['oflag=direct'] : [];
  const s = timed(() =>
    dd(['if=/dev/zero', `of=${file}`, 'bs=8M', `count=${count}`, 'conv=fsync', ...flags]),
  );
  rmSync(file, { force: true });
  return (count * 8 * MIB) / 1e6 / s;
}

function cachedReadMBps(source: string): number {
  const buf = Buffer.allocUnsafe(8 * MIB);
  const read = () => {
    const fd = openSync(source, 'r');
    for (let pos = 0; ; pos += buf.length) if (readSync(fd, buf, 0, buf.length, pos) === 0) break;
    closeSync(fd);
  };
  read();
  return statSync(source).size / 1e6 / timed(read);
}

function directReadMBps(source: string): number {
  const size = statSync(source).size;
  return size / 1e6 / timed(() => dd([`if=${source}`, 'of=/dev/null', 'bs=8M', 'iflag=direct']));
}

/** A sample of the source, so that compression works on the data the tools back up. */
function sample(source: string, bytes: number): Uint8Array {
  const fd = openSync(source, 'r');
  const shared = new Uint8Array(new SharedArrayBuffer(bytes));
  const size = statSync(source).size;
  // Eight spread slices: an image's start (boot area, zeros) alone is not typical of it.
  const slice = bytes / 8;
  for (let i = 0; i < 8; i++) {
    const at = Math.floor(((size - slice) * i) / 7 / 4096) * 4096;
    readSync(fd, shared, i * slice, slice, at);
  }
  closeSync(fd);
  return shared;
}

async function cpuMBps(op: CpuOp, data: Uint8Array, workers: number, seconds: number): Promise<number> {
  const runs = Array.from(
    { length: workers },
    () =>
      new Promise<{ bytes: number; seconds: number }>((resolve, reject) => {
        const w = new Worker(worker, { workerData: { op, data, seconds } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const done = await Promise.all(runs);
  return done.reduce((n, d) => n + d.bytes / 1e6 / d.seconds, 0);
}

/** Measures every limit; `dir` is on the disk the tools write to, `source` the image they read. */
export async function measureLimits(dir: string, source: string, writeBytes: number): Promise<Limits> {
  const cores = availableParallelism();
  const data = sample(source, 64 * MIB);
  const cpu = {} as Record<CpuOp, CpuLimit>;
  for (const op of ['hmac-sha256', 'zstd-3', 'unzstd', 'aes-256-gcm'] as const) {
    cpu[op] = {
      oneCoreMBps: await cpuMBps(op, data, 1, 1.5),
      allCoresMBps: await cpuMBps(op, data, cores, 1.5),
    };
  }
  return {
    cores,
    fsyncWriteMBps: writeMBps(dir, writeBytes, false),
    directWriteMBps: writeMBps(dir, writeBytes, true),
    cachedReadMBps: cachedReadMBps(source),
    directReadMBps: directReadMBps(source),
    cpu,
  };
}

/** MB/s of input the CPU allows when every byte goes through all of `ops` (their costs add up), on all cores. */
export function cpuBound(limits: Limits, ops: Array<{ op: CpuOp; share: number }>): number {
  const secondsPerMB = ops.reduce((s, o) => s + o.share / limits.cpu[o.op].allCoresMBps, 0);
  return 1 / secondsPerMB;
}

/**
 * What a step does to each byte of the volume, for the limit that binds it: `full` reads, hashes and compresses
 * every byte and stores some; `changed` does that to the changed extents only (a hinted incremental, `scale` = the
 * volume over the extents); `scan` reads and hashes every byte and stores next to nothing; `restore` decrypts,
 * decompresses, verifies and writes every byte durably.
 */
export type StepWork = 'full' | 'changed' | 'scan' | 'restore';

/** The lowest of the limits a step's work meets, in MB of volume per second, and its name. */
export function bindingLimit(
  lim: Limits,
  work: StepWork,
  storedShare: number,
  scale = 1,
): { mbps: number; by: string } {
  const c: Array<[string, number]> = [];
  if (work === 'full' || work === 'changed') {
    c.push(['source read', lim.cachedReadMBps * scale]);
    const sealed = work === 'full' ? storedShare : 1;
    c.push([
      'cpu',
      cpuBound(lim, [
        { op: 'hmac-sha256', share: 1 },
        { op: 'zstd-3', share: 1 },
        { op: 'aes-256-gcm', share: sealed },
      ]) * scale,
    ]);
    if (work === 'full') c.push(['durable write', lim.fsyncWriteMBps / Math.max(storedShare, 1e-9)]);
  } else if (work === 'scan') {
    c.push(['source read', lim.cachedReadMBps]);
    c.push(['cpu', cpuBound(lim, [{ op: 'hmac-sha256', share: 1 }])]);
  } else {
    c.push(['durable write', lim.fsyncWriteMBps]);
    c.push([
      'cpu',
      cpuBound(lim, [
        { op: 'aes-256-gcm', share: storedShare },
        { op: 'unzstd', share: 1 },
        { op: 'hmac-sha256', share: 1 },
      ]),
    ]);
  }
  const [by, mbps] = c.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { mbps, by };
}
