import {
  ObjectExistsError,
  NoSpaceError as ObjectNoSpaceError,
  ObjectNotFoundError,
  ObjectStoreError,
} from '../objects/index.js';
import type { ChunkLocation } from './chunk-index.js';
import { SLOT_CHUNKS } from './chunk-ops.js';
import {
  AbortedError,
  ConflictError,
  EngineError,
  InvalidRequestError,
  NoSpaceError,
  NotFoundError,
  SourceError,
  StorageError,
} from './errors.js';
import {
  CHUNK_SIZE,
  FORMAT_VERSION,
  ID_LEN,
  MAGIC,
  type ManifestMeta,
  SEGMENT_CHUNKS,
  ZERO_ID,
  chunkCountOf,
  encodeManifest,
  encodeSegment,
  keyedHex,
  sealEnvelope,
} from './format.js';
import { PackWriter } from './pack-writer.js';
import { type Volume, openSource } from './source.js';
import type { BackupRequest, BackupStats, Extent } from './types.js';
import type { VaultContext } from './vault-context.js';

const ID_RE = /^[A-Za-z0-9._:-]{1,200}$/;

export function checkBackupId(id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new InvalidRequestError(`invalid backup id ${JSON.stringify(id)}`);
}

interface SegmentState {
  ids: Buffer;
  count: number;
  remaining: number;
}

/** One backup run: reads the volume (or only the hinted ranges), stores new chunks, commits a manifest last. */
export async function runBackup(ctx: VaultContext, req: BackupRequest): Promise<BackupStats> {
  const t0 = performance.now();
  checkBackupId(req.backupId);
  if (req.parentBackupId != null) checkBackupId(req.parentBackupId);
  if (req.signal?.aborted) throw new AbortedError('backup aborted before it started');
  const lease = await ctx.leases.acquire('backup');
  let vol: Volume | null = null;
  try {
    try {
      await ctx.store.head(ctx.manifestKey(req.backupId));
      throw new ConflictError(`backup ${req.backupId} already exists in vault ${ctx.vaultId}`);
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError)) throw e;
    }
    // Order matters for GC safety (docs/format.md): lease first, then the condemned list, then the index.
    const { packs: condemnedPacks, segments: condemnedSegments } = ctx.condemnedNames(
      await ctx.readCondemned(),
    );
    await ctx.syncIndex();

    let parent: { meta: ManifestMeta; segmentIds: Buffer[] } | null = null;
    if (req.parentBackupId) {
      try {
        parent = await ctx.loadManifest(req.parentBackupId);
        if (parent.meta.chunkSize !== CHUNK_SIZE || parent.meta.segmentChunks !== SEGMENT_CHUNKS)
          parent = null;
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        parent = null; // parent deleted meanwhile: fall back to a full read (dedup still applies)
      }
    }

    vol = await openSource(req.source);
    const size = vol.size;
    const chunkCount = chunkCountOf(size);
    const segmentCount = Math.ceil(chunkCount / SEGMENT_CHUNKS);
    const parentSize = parent?.meta.volumeSize ?? 0;
    // Chunks below this index have the same extent in parent and child; others must be read.
    const sameUpTo = parent ? Math.floor(Math.min(size, parentSize) / CHUNK_SIZE) : 0;
    const hinted = parent && req.changedExtents ? changedBitmap(req.changedExtents, size, chunkCount) : null;

    const stats = { bytesRead: 0, newChunks: 0, storedBytes: 0, objectCount: 0 };
    // Not in the manifest's stats (a format fact): only the caller's compression figure needs it.
    let newChunkBytes = 0;
    const pending = new Set<string>(); // ids written by this backup whose pack is not durable yet
    const packs = new PackWriter(ctx, async (packId, packSize, entries) => {
      await ctx.index.addPack(packId, packSize, entries);
      for (const e of entries) pending.delete(e.id.toString('base64'));
    });
    const segments = new Map<number, SegmentState>();
    const segmentIds: Buffer[] = new Array(segmentCount);
    const segmentPuts: Promise<void>[] = [];
    const parentSegs = new Map<number, Promise<Buffer | null>>();
    const parentSegment = (s: number): Promise<Buffer | null> => {
      if (!parent || s >= parent.segmentIds.length) return Promise.resolve(null);
      let p = parentSegs.get(s);
      if (!p) {
        const hex = parent.segmentIds[s]!.toString('hex');
        p = ctx.loadSegment(hex).catch(() => null); // unreadable parent segment: just read everything
        parentSegs.set(s, p);
      }
      return p;
    };

    const finishSegment = (s: number) => {
      const st = segments.get(s)!;
      segments.delete(s);
      parentSegs.delete(s);
      const plain = encodeSegment(st.ids, st.count);
      const hex = keyedHex(ctx.keys.idKey, plain);
      segmentIds[s] = Buffer.from(hex, 'hex');
      const parentHex = parent?.segmentIds[s]?.toString('hex');
      if (parentHex === hex && !condemnedSegments.has(hex)) return;
      const env = sealEnvelope(ctx.keys.encKey, MAGIC.segment, hex, plain);
      segmentPuts.push(
        ctx.store.put(ctx.segmentKey(hex), env).then(() => {
          stats.storedBytes += env.length;
          stats.objectCount++;
        }),
      );
    };

    const recordIds = (s: number, within: number, ids: Buffer, n: number) => {
      let st = segments.get(s);
      if (!st) {
        const count = Math.min(SEGMENT_CHUNKS, chunkCount - s * SEGMENT_CHUNKS);
        st = { ids: Buffer.alloc(count * ID_LEN), count, remaining: count };
        segments.set(s, st);
      }
      ids.copy(st.ids, within * ID_LEN, 0, n * ID_LEN);
      st.remaining -= n;
      if (st.remaining === 0) finishSegment(s);
    };

    let bytesDone = 0;
    const progress = (n: number) => {
      bytesDone += n;
      req.onProgress?.({ bytesDone, bytesTotal: size });
    };

    const lookup = async (ids: Buffer[]): Promise<Array<ChunkLocation | undefined>> =>
      ctx.index.lookupMany(ids, condemnedPacks);

    const processBatch = async (b: number, slot: number, lens: number[], parentIds: Buffer | null) => {
      const first = b * SLOT_CHUNKS;
      const n = lens.length;
      const v = ctx.pool.views(slot);
      // Read every run of chunks to read with one positioned read.
      for (let i = 0; i < n; ) {
        if (lens[i] === 0) {
          i++;
          continue;
        }
        let j = i;
        let bytes = 0;
        while (j < n && lens[j]! > 0) bytes += lens[j++]!;
        await readFully(
          vol!,
          v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + bytes),
          (first + i) * CHUNK_SIZE,
          req.source,
        );
        stats.bytesRead += bytes;
        i = j;
      }
      const { zero } = await ctx.pool.run({ op: 'hash', slot, idKey: ctx.keys.idKey, lens });
      const out = Buffer.alloc(n * ID_LEN);
      const candidates: number[] = [];
      for (let i = 0; i < n; i++) {
        if (lens[i] === 0) {
          parentIds!.copy(out, i * ID_LEN, i * ID_LEN, (i + 1) * ID_LEN); // planned reuse (already checked)
          continue;
        }
        if (zero[i]) continue;
        const id = v.ids.subarray(i * ID_LEN, (i + 1) * ID_LEN);
        id.copy(out, i * ID_LEN);
        if (
          parentIds &&
          condemnedPacks.size === 0 &&
          id.equals(parentIds.subarray(i * ID_LEN, (i + 1) * ID_LEN))
        )
          continue;
        candidates.push(i);
      }
      const toSeal: number[] = [];
      if (candidates.length) {
        const locs = await lookup(candidates.map((i) => out.subarray(i * ID_LEN, (i + 1) * ID_LEN)));
        const batchNew = new Set<string>();
        candidates.forEach((i, k) => {
          if (locs[k]) return;
          const key = out.toString('base64', i * ID_LEN, (i + 1) * ID_LEN);
          if (pending.has(key) || batchNew.has(key)) return;
          batchNew.add(key);
          toSeal.push(i);
        });
      }
      if (toSeal.length) {
        const { out: sealed } = await ctx.pool.run({
          op: 'seal',
          slot,
          encKey: ctx.keys.encKey,
          idx: toSeal,
          lens: toSeal.map((i) => lens[i]!),
        });
        let k = 0;
        for (const [off, blen, flags, count] of sealed) {
          const members = toSeal.slice(k, k + count).map((i) => {
            const id = v.ids.subarray(i * ID_LEN, (i + 1) * ID_LEN);
            pending.add(id.toString('base64'));
            return { id, rawLength: lens[i]! };
          });
          k += count;
          packs.add(v.b.subarray(off, off + blen), flags, members);
        }
        stats.newChunks += toSeal.length;
        for (const i of toSeal) newChunkBytes += lens[i]!;
        await packs.backpressure();
      }
      return out;
    };

    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    const batches = Math.ceil(chunkCount / SLOT_CHUNKS);
    for (let b = 0; b < batches && !failure; b++) {
      if (req.signal?.aborted) {
        failure = new AbortedError(`backup ${req.backupId} aborted`);
        break;
      }
      const first = b * SLOT_CHUNKS;
      const n = Math.min(SLOT_CHUNKS, chunkCount - first);
      const s = Math.floor(first / SEGMENT_CHUNKS);
      const within = first - s * SEGMENT_CHUNKS;
      if (within === 0) void parentSegment(s + 1); // prefetch
      const pseg = await parentSegment(s);
      const parentIds =
        pseg && pseg.length >= (within + n) * ID_LEN
          ? pseg.subarray(within * ID_LEN, (within + n) * ID_LEN)
          : null;
      const lens: number[] = new Array(n);
      let toRead = 0;
      for (let i = 0; i < n; i++) {
        const g = first + i;
        const len = Math.min(CHUNK_SIZE, size - g * CHUNK_SIZE);
        const mustRead = !parentIds || g >= sameUpTo || !hinted || (hinted[g >>> 3]! & (1 << (g & 7))) !== 0;
        lens[i] = mustRead ? len : 0;
        if (mustRead) toRead++;
      }
      if (toRead < n && condemnedPacks.size > 0) {
        // A parent chunk whose only copy is condemned must be read and stored again.
        const reuse = lens.flatMap((l, i) =>
          l === 0 && !parentIds!.subarray(i * ID_LEN, (i + 1) * ID_LEN).equals(ZERO_ID) ? [i] : [],
        );
        const locs = await lookup(reuse.map((i) => parentIds!.subarray(i * ID_LEN, (i + 1) * ID_LEN)));
        reuse.forEach((i, k) => {
          if (!locs[k]) {
            lens[i] = Math.min(CHUNK_SIZE, size - (first + i) * CHUNK_SIZE);
            toRead++;
          }
        });
      }
      if (toRead === 0) {
        recordIds(s, within, parentIds!, n);
        progress(lens.length ? Math.min(n * CHUNK_SIZE, size - first * CHUNK_SIZE) : 0);
        continue;
      }
      const slot = await ctx.pool.acquire();
      if (failure) {
        ctx.pool.release(slot);
        break;
      }
      const p: Promise<void> = processBatch(b, slot, lens, parentIds)
        .then((ids) => {
          recordIds(s, within, ids, n);
          progress(Math.min(n * CHUNK_SIZE, size - first * CHUNK_SIZE));
        })
        .catch((e) => {
          failure ??= e;
        })
        .finally(() => {
          ctx.pool.release(slot);
          inflight.delete(p);
        });
      inflight.add(p);
    }
    await Promise.allSettled([...inflight]);
    if (!failure && req.signal?.aborted) failure = new AbortedError(`backup ${req.backupId} aborted`);
    if (failure) {
      await packs.abandon();
      await Promise.allSettled(segmentPuts);
      throw failure;
    }
    await packs.finish();
    await Promise.all(segmentPuts);
    stats.storedBytes += packs.storedBytes;
    stats.objectCount += packs.objectCount;

    const meta: ManifestMeta = {
      formatVersion: FORMAT_VERSION,
      backupId: req.backupId,
      vaultId: ctx.vaultId,
      parentBackupId: parent ? req.parentBackupId! : null,
      createdAt: new Date().toISOString(),
      volumeSize: size,
      chunkSize: CHUNK_SIZE,
      segmentChunks: SEGMENT_CHUNKS,
      segmentCount,
      chunkCount,
      labels: { ...(req.labels ?? {}) },
      stats: { ...stats, durationMs: 0 },
    };
    const name = ctx.manifestName(req.backupId);
    if (req.signal?.aborted) throw new AbortedError(`backup ${req.backupId} aborted`);
    lease.assertFresh();
    meta.stats.durationMs = Math.round(performance.now() - t0);
    const env = sealEnvelope(ctx.keys.encKey, MAGIC.manifest, name, encodeManifest(meta, segmentIds));
    try {
      await ctx.store.put(ctx.manifestKey(req.backupId), env, { ifAbsent: true });
    } catch (e) {
      if (e instanceof ObjectExistsError)
        throw new ConflictError(`backup ${req.backupId} already exists in vault ${ctx.vaultId}`);
      throw e;
    }
    stats.storedBytes += env.length;
    stats.objectCount++;
    return {
      backupId: req.backupId,
      formatVersion: FORMAT_VERSION,
      volumeSize: size,
      bytesRead: stats.bytesRead,
      chunkCount,
      newChunks: stats.newChunks,
      newChunkBytes,
      storedBytes: stats.storedBytes,
      objectCount: stats.objectCount,
      incremental: parent !== null,
      parentBackupId: meta.parentBackupId,
      durationMs: Math.round(performance.now() - t0),
    };
  } catch (e) {
    throw wrapError(e);
  } finally {
    await vol?.fh.close().catch(() => {});
    await lease.release();
  }
}

export function wrapError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof ObjectNoSpaceError) return new NoSpaceError(e.message, { cause: e });
  if (isFullDisk(e)) {
    return new NoSpaceError(`no space left in the backup store (${(e as Error).message})`, { cause: e });
  }
  if (e instanceof ObjectStoreError) return new StorageError(e.message, { cause: e });
  return e;
}

/** A full filesystem as node (ENOSPC, EDQUOT) or SQLite (SQLITE_FULL, the local chunk index) reports it. */
function isFullDisk(e: unknown): boolean {
  const c = (e as { code?: unknown } | null)?.code;
  return c === 'ENOSPC' || c === 'EDQUOT' || c === 'SQLITE_FULL';
}

async function readFully(vol: Volume, buf: Buffer, position: number, path: string): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    let r: number;
    try {
      ({ bytesRead: r } = await vol.fh.read(buf, off, buf.length - off, position + off));
    } catch (e) {
      throw new SourceError(
        `cannot read volume ${path} at offset ${position + off}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (r === 0)
      throw new SourceError(`volume ${path} shrank while being read (end at offset ${position + off})`);
    off += r;
  }
}

/** One bit per chunk (2 MiB per TiB of volume): set when a changed extent touches the chunk. */
function changedBitmap(extents: Extent[], size: number, chunkCount: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(chunkCount / 8));
  for (const ext of extents) {
    if (!Array.isArray(ext) || ext.length !== 2)
      throw new InvalidRequestError('a changed extent is [offset, length]');
    const [off, len] = ext;
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0) {
      throw new InvalidRequestError(`invalid changed extent [${off}, ${len}]`);
    }
    if (len === 0 || off >= size) continue;
    const end = Math.min(size, off + len);
    for (let c = Math.floor(off / CHUNK_SIZE), last = Math.ceil(end / CHUNK_SIZE); c < last; c++)
      bits[c >>> 3]! |= 1 << (c & 7);
  }
  return bits;
}
