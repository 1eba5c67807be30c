import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Engine, type EngineOptions, openEngine } from '../../src/engine/index.js';
import { FsObjectStore } from '../../src/objects/index.js';

export interface Sandbox {
  dir: string;
  storeDir: string;
  keyFile: string;
  path(name: string): string;
  engine(opts?: Partial<EngineOptions>): Promise<Engine>;
  cleanup(): Promise<void>;
}

/** A temp dir with an fs object store, a key file and a state dir; engines opened through it are closed on cleanup. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'opencbr-engine-'));
  const engines: Engine[] = [];
  const sb: Sandbox = {
    dir,
    storeDir: join(dir, 'store'),
    keyFile: join(dir, 'master.key'),
    path: (name) => join(dir, name),
    async engine(opts = {}) {
      const e = await openEngine({
        store: new FsObjectStore(join(dir, 'store')),
        masterKey: { keyFile: join(dir, 'master.key') },
        stateDir: join(dir, 'state'),
        workers: 1,
        ...opts,
      });
      engines.push(e);
      return e;
    },
    async cleanup() {
      for (const e of engines) await e.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sb;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes `size` bytes: pieces of random, zero and text data chosen by `pattern`. */
export async function writeVolume(
  path: string,
  size: number,
  pattern: 'random' | 'zero' | 'mixed' = 'mixed',
): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    await fh.truncate(size);
    if (pattern === 'zero') return;
    const piece = 48 * 1024; // not chunk-aligned on purpose
    for (let off = 0, k = 0; off < size; off += piece, k++) {
      const len = Math.min(piece, size - off);
      const kind = pattern === 'random' ? 0 : k % 3;
      if (kind === 1) continue; // hole
      const buf =
        kind === 0 ? randomBytes(len) : Buffer.from(`text ${k} `.repeat(Math.ceil(len / 6)).slice(0, len));
      await fh.write(buf, 0, len, off);
    }
  } finally {
    await fh.close();
  }
}

/** Allocated bytes of a file (holes are not allocated). */
export async function allocated(path: string): Promise<number> {
  return (await fsp.stat(path)).blocks * 512;
}
