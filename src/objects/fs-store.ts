import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AlignedBuffers, PAGE } from './direct-io.js';
import {
  NoSpaceError,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
  PermanentStoreError,
  TransientStoreError,
} from './errors.js';
import { type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions, isValidKey } from './types.js';

const OBJ = '.obj';
const TMP = '.tmp';
const DIR = '.dir';
const STALE_TMP_MS = 3600_000;
/** Objects at least this big (packs) are written with O_DIRECT from an aligned staging buffer when possible:
 * no page-cache copy and no dirty-page writeback competing with the backup for memory and CPU. */
const DIRECT_MIN = 1024 * 1024;
const STAGING_SIZE = 9 * 1024 * 1024;
const STAGING_COUNT = 2;

/**
 * Object store on a local filesystem. Each object is one file `<key segments>.obj`; a put writes a temp file in
 * the same directory, fsyncs it, renames it into place (or links it, for put-if-absent) and fsyncs the directory,
 * so a resolved put survives power loss and a crash never leaves a partial object visible.
 * Directory names never end in `.obj`, so keys `a` and `a/b` can both exist, as in S3.
 */
export class FsObjectStore implements ObjectStore {
  private readonly knownDirs = new Set<string>();
  private staging: AlignedBuffers | null = null;

  constructor(readonly root: string) {}

  private stagingBuffer(size: number): Buffer | null {
    if (size < DIRECT_MIN || size > STAGING_SIZE) return null;
    this.staging ??= new AlignedBuffers(this.root, STAGING_SIZE, STAGING_COUNT);
    return this.staging.take();
  }

  /** Writes `data` to a new file `tmp` (O_DIRECT for the page-aligned part when a staging buffer is free), fsynced. */
  private async writeNew(tmp: string, data: Uint8Array): Promise<void> {
    const stage = this.stagingBuffer(data.length);
    let done = 0;
    let created = false;
    if (stage) {
      try {
        const aligned = data.length - (data.length % PAGE);
        stage.set(data.subarray(0, aligned));
        const dfh = await fsp
          .open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_DIRECT, 0o600)
          .catch(() => null);
        if (dfh) {
          created = true;
          try {
            while (done < aligned) done += (await dfh.write(stage, done, aligned - done, done)).bytesWritten;
          } catch (e) {
            // Only a refusal of O_DIRECT itself (EINVAL) falls back to buffered writes; anything else (a full
            // disk) would fail there too, and must surface as itself.
            if (code(e) !== 'EINVAL') throw e;
            done = 0;
          } finally {
            await dfh.close();
          }
        }
      } finally {
        this.staging!.give(stage);
      }
    }
    // The O_DIRECT attempt already created the temp file: reopen it rather than create it exclusively.
    const fh = await fsp.open(tmp, created ? 'r+' : 'wx', 0o600);
    try {
      while (done < data.length) done += (await fh.write(data, done, data.length - done, done)).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private path(key: string): string {
    if (!isValidKey(key)) throw new PermanentStoreError(`invalid object key: ${JSON.stringify(key)}`);
    const parts = key.split('/');
    const file = parts.pop()!;
    return join(this.root, ...parts.map(encodeDir), file + OBJ);
  }

  async put(key: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    const path = this.path(key);
    const dir = dirname(path);
    await this.ensureDir(dir);
    const tmp = `${path}.${randomBytes(6).toString('hex')}${TMP}`;
    try {
      await this.writeNew(tmp, data);
      if (options?.ifAbsent) {
        try {
          await fsp.link(tmp, path);
        } catch (e) {
          if (code(e) === 'EEXIST') throw new ObjectExistsError(key);
          throw e;
        } finally {
          await fsp.rm(tmp, { force: true });
        }
      } else {
        await fsp.rename(tmp, path);
      }
      await fsyncDir(dir);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw classify(e, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const path = this.path(key);
    try {
      const fh = await fsp.open(path, 'r');
      try {
        const size = (await fh.stat()).size;
        const start = range ? Math.min(range.offset, size) : 0;
        const end = range ? Math.min(size, range.offset + range.length) : size;
        const buf = Buffer.allocUnsafe(end - start);
        let off = 0;
        while (off < buf.length) {
          const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
          if (bytesRead === 0) throw new TransientStoreError(`short read of ${key}`);
          off += bytesRead;
        }
        return buf;
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw classify(e, key);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    try {
      const st = await fsp.stat(this.path(key));
      return { key, size: st.size, lastModified: st.mtime };
    } catch (e) {
      throw classify(e, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut >= 0 ? prefix.slice(0, cut) : '';
    const partial = prefix.slice(cut + 1);
    if (dirKey && !isValidKey(dirKey))
      throw new PermanentStoreError(`invalid prefix: ${JSON.stringify(prefix)}`);
    const dir = dirKey ? join(this.root, ...dirKey.split('/').map(encodeDir)) : this.root;
    yield* this.walk(dir, dirKey ? `${dirKey}/` : '', partial);
  }

  private async *walk(dir: string, keyPrefix: string, partial: string): AsyncIterable<ObjectInfo> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return;
      throw classify(e, keyPrefix);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) {
        const name = decodeDir(ent.name);
        if (!name.startsWith(partial)) continue;
        yield* this.walk(p, `${keyPrefix}${name}/`, '');
      } else if (ent.name.endsWith(OBJ)) {
        const name = ent.name.slice(0, -OBJ.length);
        if (!name.startsWith(partial)) continue;
        try {
          const st = await fsp.stat(p);
          yield { key: keyPrefix + name, size: st.size, lastModified: st.mtime };
        } catch (e) {
          if (code(e) !== 'ENOENT') throw classify(e, keyPrefix + name);
        }
      } else if (ent.name.endsWith(TMP)) {
        // Leftover of a put interrupted by a crash: invisible, reclaimed once clearly abandoned.
        const st = await fsp.stat(p).catch(() => null);
        if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) await fsp.rm(p, { force: true }).catch(() => {});
      }
    }
  }

  /** Temp files of puts cut short (the process died between create and rename) under `prefix`. */
  async reclaimInterrupted(prefix: string, olderThanMs: number): Promise<number> {
    const base = prefix.replace(/\/+$/, '');
    if (base && !isValidKey(base)) throw new PermanentStoreError(`invalid prefix: ${JSON.stringify(prefix)}`);
    const dir = base ? join(this.root, ...base.split('/').map(encodeDir)) : this.root;
    let entries: string[];
    try {
      entries = (await fsp.readdir(dir, { recursive: true })) as string[];
    } catch (e) {
      if (code(e) === 'ENOENT') return 0;
      throw classify(e, prefix);
    }
    let n = 0;
    for (const rel of entries) {
      if (!rel.endsWith(TMP)) continue;
      const p = join(dir, rel);
      const st = await fsp.stat(p).catch(() => null);
      if (!st?.isFile() || Date.now() - st.mtimeMs <= olderThanMs) continue;
      await fsp.rm(p, { force: true });
      n++;
    }
    return n;
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    try {
      await fsp.unlink(path);
      await fsyncDir(dirname(path));
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      throw classify(e, key);
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    try {
      const first = await fsp.mkdir(dir, { recursive: true });
      if (first) {
        // Make every newly created directory entry durable, from the deepest up to the existing parent.
        for (let d = dir; ; d = dirname(d)) {
          await fsyncDir(dirname(d));
          if (d === first || dirname(d) === d) break;
        }
      }
    } catch (e) {
      throw classify(e, dir);
    }
    this.knownDirs.add(dir);
  }
}

function encodeDir(segment: string): string {
  return segment.endsWith(OBJ) || segment.endsWith(TMP) || segment.endsWith(DIR) ? segment + DIR : segment;
}

function decodeDir(name: string): string {
  return name.endsWith(DIR) ? name.slice(0, -DIR.length) : name;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

const TRANSIENT = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'EBUSY', 'EINTR', 'ETIMEDOUT', 'ENOMEM']);

function classify(e: unknown, key: string): ObjectStoreError {
  if (e instanceof ObjectStoreError) return e;
  const c = code(e);
  if (c === 'ENOENT' || c === 'ENOTDIR') return new ObjectNotFoundError(key);
  const msg = `${c ?? 'error'} on ${key}: ${(e as Error)?.message ?? String(e)}`;
  if (c === 'ENOSPC' || c === 'EDQUOT')
    return new NoSpaceError(`no space left in the backup store (${c} writing ${key})`, { cause: e });
  if (c && TRANSIENT.has(c)) return new TransientStoreError(msg, { cause: e });
  return new PermanentStoreError(msg, { cause: e });
}
