import { createCipheriv, createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';

/**
 * Deterministic synthetic disk images, the recipe of the project's mkvolume tool: per MiB, 25 % a sparse zero
 * run, 35 % compressible text, 40 % random bytes; mutation = scattered 64 KiB random writes at 4 KiB-aligned
 * offsets, reporting the merged changed extents as changed-block tracking would. Same seed => same bytes.
 */
export const MIB = 1 << 20;
const WORDS = [
  'backup',
  'vault',
  'checkpoint',
  'restore',
  'volume',
  'server',
  'policy',
  'replication',
  'status',
  'available',
  'error',
  '2020-02-21T07:00:54',
  'OS::Nova::Server',
  'lorem',
  'ipsum',
].map((w) => Buffer.from(w));

/** sfc32: small, fast, deterministic 32-bit PRNG. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    const h = createHash('sha256').update(`opencbr-rng-${seed}`).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  random(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n) for n up to 2^53. */
  below(n: number): number {
    return Math.floor(((this.u32() * 4294967296 + this.u32()) / 2 ** 64) * n);
  }
  /** Random bytes (AES-CTR keystream keyed from the generator: fast and deterministic). */
  fill(buf: Buffer): void {
    const key = Buffer.alloc(16);
    const iv = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) {
      key.writeUInt32LE(this.u32(), i * 4);
      iv.writeUInt32LE(this.u32(), i * 4);
    }
    const c = createCipheriv('aes-128-ctr', key, iv);
    buf.fill(0);
    const out = c.update(buf);
    out.copy(buf);
  }
}

function textBlock(rng: Rng, out: Buffer): void {
  let p = 0;
  while (p < out.length) {
    for (let w = 0; w < 12 && p < out.length; w++) {
      if (w > 0) out[p++] = 0x20;
      p += WORDS[rng.below(WORDS.length)]!.copy(out, p);
    }
    if (p < out.length) out[p++] = 0x0a;
  }
}

/** Writes a sparse image of `mib` MiB to `path`. */
export async function makeVolume(path: string, mib: number, seed = 1): Promise<void> {
  const rng = new Rng(seed);
  const fh = await fsp.open(path, 'w');
  try {
    const block = Buffer.allocUnsafe(MIB);
    for (let i = 0; i < mib; i++) {
      const r = rng.random();
      if (r < 0.25) continue; // sparse zero MiB
      if (r < 0.6) textBlock(rng, block);
      else rng.fill(block);
      await fh.write(block, 0, MIB, i * MIB);
    }
    await fh.truncate(mib * MIB);
  } finally {
    await fh.close();
  }
}

export type Extent = [offset: number, length: number];

/** Overwrites `percent` % of the file with 64 KiB random writes; returns the changed extents, sorted and merged. */
export async function mutateVolume(path: string, percent: number, seed = 2): Promise<Extent[]> {
  const rng = new Rng(seed);
  const fh = await fsp.open(path, 'r+');
  const extents: Extent[] = [];
  try {
    const size = (await fh.stat()).size;
    const n = Math.floor((size * percent) / 100 / 65536);
    const buf = Buffer.allocUnsafe(65536);
    for (let k = 0; k < n; k++) {
      const off = Math.floor(rng.below(size - 65536) / 4096) * 4096;
      rng.fill(buf);
      await fh.write(buf, 0, 65536, off);
      extents.push([off, 65536]);
    }
  } finally {
    await fh.close();
  }
  return mergeExtents(extents);
}

export function mergeExtents(extents: Extent[]): Extent[] {
  const sorted = [...extents].sort((x, y) => x[0] - y[0]);
  const merged: Extent[] = [];
  for (const [off, len] of sorted) {
    const last = merged[merged.length - 1];
    if (last && off <= last[0] + last[1]) last[1] = Math.max(last[1], off + len - last[0]);
    else merged.push([off, len]);
  }
  return merged;
}
