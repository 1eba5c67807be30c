import { ObjectNotFoundError } from '../objects/index.js';
import { wrapError } from './backup.js';
import type { ChunkLocation } from './chunk-index.js';
import { type OpenItem, SLOT_B, SLOT_CHUNKS } from './chunk-ops.js';
import { AbortedError, CorruptDataError, InvalidRequestError, TargetError } from './errors.js';
import { CHUNK_SIZE, EnvelopeError, FORMAT_VERSION, ID_LEN, SEGMENT_CHUNKS, ZERO_ID } from './format.js';
import { minorGcEvery } from './gc-hint.js';
import { type Volume, openTarget } from './source.js';
import type { BadRegion, Progress } from './types.js';
import type { VaultContext } from './vault-context.js';

/** A run of blobs read with one ranged get; it must fit a slot's blob area. */
const MAX_RUN = SLOT_B;
const SYNC_EVERY = 256 * 1024 * 1024;
/** Batches whose blobs are fetched ahead of decryption (each ≤ 4 MiB compressed). */
const PREFETCH = 4;

export interface ReadOptions {
  backupId: string;
  /** Restore target; null = verify only (nothing is written). */
  target: string | null;
  /** Restore onto an existing larger regular file keeps its size (tail zeros). */
  preserveLargerTarget?: boolean;
  verifyIds: boolean;
  /** verify: collect bad regions and go on; restore: throw CorruptDataError at the first one. */
  collect: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ReadResult {
  volumeSize: number;
  chunkCount: number;
  zeroChunks: number;
  checkedChunks: number;
  bytesWritten: number;
  badRegions: BadRegion[];
  /** Packs the backup's chunks were read from (verify re-reads their headers from the store). */
  packIds: Set<string>;
}

/** Reads every chunk of a backup in volume order (restore writes it; verify only checks it). */
export async function readBackup(ctx: VaultContext, opts: ReadOptions): Promise<ReadResult> {
  const op = opts.target ? 'restore' : 'verify';
  const lease = await ctx.leases.acquire(op);
  let vol: Volume | null = null;
  try {
    const { meta, segmentIds } = await ctx.loadManifest(opts.backupId);
    if (
      meta.formatVersion > FORMAT_VERSION ||
      meta.chunkSize !== CHUNK_SIZE ||
      meta.segmentChunks !== SEGMENT_CHUNKS
    ) {
      throw new InvalidRequestError(
        `backup ${opts.backupId} has format ${meta.formatVersion}, this engine reads up to ${FORMAT_VERSION}`,
      );
    }
    const size = meta.volumeSize;
    const res: ReadResult = {
      volumeSize: size,
      chunkCount: meta.chunkCount,
      zeroChunks: 0,
      checkedChunks: 0,
      bytesWritten: 0,
      badRegions: [],
      packIds: new Set(),
    };
    if (opts.target) vol = await openTarget(opts.target, size, opts.preserveLargerTarget === true);
    const bad = (offset: number, length: number, reason: string) => {
      if (!opts.collect) throw new CorruptDataError(offset, length, reason);
      res.badRegions.push({ offset, length, reason }); // sorted and merged at the end
    };
    let synced: Promise<unknown> | null = null;
    const resync = () => {
      // Concurrent callers share one sync; a later miss may sync again.
      synced ??= ctx.syncIndex().finally(() => {
        synced = null;
      });
      return synced;
    };
    let bytesDone = 0;
    // Flush written data in the background as the restore goes, so the final fsync does not wait for all of it.
    let unsynced = 0;
    let syncing: Promise<void> | null = null;
    const backgroundSync = (bytes: number) => {
      unsynced += bytes;
      if (!vol || syncing || unsynced < SYNC_EVERY) return;
      unsynced = 0;
      syncing = vol.fh.datasync().finally(() => {
        syncing = null;
      });
      syncing.catch(() => {}); // a real failure shows in the final fsync
    };

    type Item = { i: number; loc: ChunkLocation };
    type Run = { packId: string; offset: number; length: number; members: Item[] };
    type Fetched = { runs: Run[]; datas: Array<Buffer | null>; missing: number[] };
    const chunkLenAt = (first: number, i: number) => Math.min(CHUNK_SIZE, size - (first + i) * CHUNK_SIZE);

    /** Locates and reads a batch's blobs (no slot needed, so it runs ahead of decryption and writing). */
    const fetchBatch = async (first: number, n: number, ids: Buffer): Promise<Fetched> => {
      const want: number[] = [];
      for (let i = 0; i < n; i++)
        if (!ids.subarray(i * ID_LEN, (i + 1) * ID_LEN).equals(ZERO_ID)) want.push(i);
      res.zeroChunks += n - want.length;
      // Locate and fetch; a chunk or pack the local index does not know (or knows wrongly, because another
      // process ran GC or repacked) triggers one resync of the index from the store, then a second try.
      let runs: Run[] = [];
      let datas: Array<Buffer | null> = [];
      let missing: number[] = [];
      for (let attempt = 0; ; attempt++) {
        const locs = await ctx.index.lookupMany(want.map((i) => ids.subarray(i * ID_LEN, (i + 1) * ID_LEN)));
        const items: Item[] = [];
        missing = [];
        want.forEach((i, k) => {
          const loc = locs[k];
          if (!loc) missing.push(i);
          else items.push({ i, loc });
        });
        items.sort((x, y) =>
          x.loc.packId < y.loc.packId
            ? -1
            : x.loc.packId > y.loc.packId
              ? 1
              : x.loc.offset - y.loc.offset || x.loc.inner - y.loc.inner,
        );
        // Coalesce blobs that sit back to back in one pack into one ranged read; members of one group share its blob.
        runs = [];
        for (const it of items) {
          const r = runs[runs.length - 1];
          const last = r?.members[r.members.length - 1];
          if (r && last && r.packId === it.loc.packId && last.loc.offset === it.loc.offset) {
            r.members.push(it);
            continue;
          }
          if (
            r &&
            r.packId === it.loc.packId &&
            r.offset + r.length === it.loc.offset &&
            r.length + it.loc.length <= MAX_RUN
          ) {
            r.length += it.loc.length;
            r.members.push(it);
          } else
            runs.push({ packId: it.loc.packId, offset: it.loc.offset, length: it.loc.length, members: [it] });
        }
        datas = await Promise.all(
          runs.map((r) =>
            ctx.store.get(ctx.packKey(r.packId), { offset: r.offset, length: r.length }).catch((e) => {
              if (e instanceof ObjectNotFoundError) return null;
              throw e;
            }),
          ),
        );
        if (attempt > 0 || (missing.length === 0 && datas.every((d) => d !== null))) break;
        await resync();
      }
      return { runs, datas, missing };
    };

    const finishBatch = async (first: number, n: number, ids: Buffer, f: Fetched, slot: number) => {
      const { runs, datas, missing } = f;
      const chunkLen = (i: number) => chunkLenAt(first, i);
      const v = ctx.pool.views(slot);
      ids.copy(v.ids, 0, 0, n * ID_LEN);
      for (const i of missing) bad((first + i) * CHUNK_SIZE, chunkLen(i), 'chunk missing from the vault');
      // Blobs go to the slot's blob area; when the next run would not fit (a batch whose chunks sit in many groups
      // written by other backups), what is there is opened first.
      const reqItems: OpenItem[] = [];
      const failed: Array<[number, string]> = [];
      let opened = 0;
      let pos = 0;
      const open = async () => {
        pos = 0;
        if (reqItems.length === 0) return;
        const items = reqItems.splice(0);
        const { bad: b } = await ctx.pool.run({
          op: 'open',
          slot,
          encKey: ctx.keys.encKey,
          idKey: ctx.keys.idKey,
          verifyIds: opts.verifyIds,
          items,
        });
        failed.push(...b);
        opened += items.length;
      };
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        const data = datas[k];
        res.packIds.add(r.packId);
        if (!data || data.length !== r.length || r.length > SLOT_B) {
          for (const m of r.members)
            bad((first + m.i) * CHUNK_SIZE, chunkLen(m.i), `pack ${r.packId} missing or short`);
          continue;
        }
        if (pos + r.length > SLOT_B) await open();
        data.copy(v.b, pos);
        for (const m of r.members) {
          if (m.loc.rawLength !== chunkLen(m.i)) {
            bad((first + m.i) * CHUNK_SIZE, chunkLen(m.i), 'stored chunk has the wrong length');
            continue;
          }
          const l = m.loc;
          reqItems.push([
            pos + l.offset - r.offset,
            l.length,
            m.i,
            l.rawLength,
            l.flags,
            l.inner,
            l.group ? l.group.toString('hex') : null,
          ]);
        }
        pos += r.length;
      }
      await open();
      const failedSet = new Set<number>();
      for (const [i, reason] of failed.sort((x, y) => x[0] - y[0])) {
        failedSet.add(i);
        bad((first + i) * CHUNK_SIZE, chunkLen(i), reason);
      }
      res.checkedChunks += opened - failed.length;
      if (vol) {
        // Write runs of chunks. Zero chunks stay holes in a fresh file; a block device gets explicit zeros; a
        // file that held data (restored over, or the target of an interrupted restore) gets zeros only where
        // it does not already read as zeros, so the holes of an earlier attempt stay holes.
        const writes: Promise<unknown>[] = [];
        let batchBytes = 0;
        for (let i = 0; i < n; ) {
          const isZero = ids.subarray(i * ID_LEN, (i + 1) * ID_LEN).equals(ZERO_ID);
          let j = i;
          let bytes = 0;
          while (j < n && ids.subarray(j * ID_LEN, (j + 1) * ID_LEN).equals(ZERO_ID) === isZero)
            bytes += chunkLen(j++);
          const run = v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + bytes);
          const at = (first + i) * CHUNK_SIZE;
          i = j;
          if (isZero) {
            if (vol.fresh) continue;
            if (!vol.isBlockDevice && (await readsAsZeros(vol, run, at, opts.target!))) continue;
            run.fill(0);
          }
          writes.push(writeFully(vol, run, at, opts.target!));
          res.bytesWritten += bytes;
          batchBytes += bytes;
        }
        await Promise.all(writes);
        backgroundSync(batchBytes);
      }
      bytesDone += Math.min(n * CHUNK_SIZE, size - first * CHUNK_SIZE);
      opts.onProgress?.({ bytesDone, bytesTotal: size });
    };

    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    const segPromise = (s: number) =>
      ctx.loadSegment(segmentIds[s]!.toString('hex')).catch((e) => {
        if (e instanceof ObjectNotFoundError || e instanceof EnvelopeError) return e as Error;
        throw e;
      });
    // Batches in volume order; a window of them is fetched ahead so reads overlap decryption and writes.
    async function* batches(): AsyncGenerator<{ first: number; n: number; ids: Buffer }> {
      let next = segmentIds.length ? segPromise(0) : null;
      next?.catch(() => {}); // if the consumer stops early, a prefetched failure must not go unhandled
      for (let s = 0; s < segmentIds.length; s++) {
        const segFirst = s * SEGMENT_CHUNKS;
        const count = Math.min(SEGMENT_CHUNKS, meta.chunkCount - segFirst);
        const seg = await next!;
        next = s + 1 < segmentIds.length ? segPromise(s + 1) : null;
        next?.catch(() => {});
        if (seg instanceof Error || seg.length !== count * ID_LEN) {
          const reason =
            seg instanceof Error ? `segment unreadable: ${seg.message}` : 'segment has the wrong length';
          const off = segFirst * CHUNK_SIZE;
          bad(off, Math.min(count * CHUNK_SIZE, size - off), reason);
          continue;
        }
        for (let w = 0; w < count; w += SLOT_CHUNKS) {
          const n = Math.min(SLOT_CHUNKS, count - w);
          yield { first: segFirst + w, n, ids: seg.subarray(w * ID_LEN, (w + n) * ID_LEN) };
        }
      }
    }
    type Queued = { first: number; n: number; ids: Buffer; fetched: Promise<{ f?: Fetched; e?: unknown }> };
    const queue: Queued[] = [];
    const afterBatch = minorGcEvery(8);
    const source = batches();
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && !failure && queue.length < PREFETCH) {
          const r = await source.next();
          if (r.done) {
            exhausted = true;
            break;
          }
          const { first, n, ids } = r.value;
          const fetched = fetchBatch(first, n, ids).then(
            (f) => ({ f }),
            (e) => ({ e }),
          );
          queue.push({ first, n, ids, fetched });
        }
        const head = queue.shift();
        if (!head || failure) break;
        if (opts.signal?.aborted) {
          failure = new AbortedError(`${op} of ${opts.backupId} aborted`);
          break;
        }
        const slot = await ctx.pool.acquire();
        if (failure) {
          ctx.pool.release(slot);
          break;
        }
        afterBatch();
        const p: Promise<void> = head.fetched
          .then(({ f, e }) => {
            if (e !== undefined) throw e;
            return finishBatch(head.first, head.n, head.ids, f!, slot);
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
    } catch (e) {
      failure ??= e; // a segment failed in restore mode (bad() threw)
    }
    await Promise.allSettled(queue.map((q) => q.fetched));
    await Promise.allSettled([...inflight]);
    if (!failure && opts.signal?.aborted) failure = new AbortedError(`${op} of ${opts.backupId} aborted`);
    if (failure) throw failure;
    if (vol) {
      try {
        await syncing;
        await vol.fh.sync();
      } catch (e) {
        throw new TargetError(`cannot flush ${opts.target}: ${(e as Error).message}`, { cause: e });
      }
    }
    res.badRegions = mergeRegions(res.badRegions);
    return res;
  } catch (e) {
    throw wrapError(e);
  } finally {
    await vol?.direct?.close().catch(() => {});
    await vol?.fh.close().catch(() => {});
    await lease.release();
  }
}

function mergeRegions(regions: BadRegion[]): BadRegion[] {
  const out: BadRegion[] = [];
  for (const r of [...regions].sort((a, b) => a.offset - b.offset)) {
    const last = out[out.length - 1];
    if (last && last.offset + last.length === r.offset && last.reason === r.reason) last.length += r.length;
    else out.push({ ...r });
  }
  return out;
}

const ALIGN = 4096;

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

/** Reads the target's bytes at `position` into `buf` (a hole reads as zeros) and tells whether all are zero. */
async function readsAsZeros(vol: Volume, buf: Buffer, position: number, path: string): Promise<boolean> {
  let off = 0;
  try {
    while (off < buf.length) {
      const { bytesRead } = await vol.fh.read(buf, off, buf.length - off, position + off);
      if (bytesRead === 0) return false;
      off += bytesRead;
    }
  } catch (e) {
    throw new TargetError(`cannot read ${path} at offset ${position + off}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  for (let k = 0; k < buf.length; k += CHUNK_SIZE) {
    const piece = buf.subarray(k, Math.min(buf.length, k + CHUNK_SIZE));
    if (!piece.equals(ZERO_CHUNK.subarray(0, piece.length))) return false;
  }
  return true;
}

/** Writes through the O_DIRECT handle when offset and length are page multiples, else (or if refused) buffered. */
async function writeFully(vol: Volume, buf: Buffer, position: number, path: string): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const len = buf.length - off;
    const direct = vol.direct && (position + off) % ALIGN === 0 ? len - (len % ALIGN) : 0;
    try {
      if (direct > 0) {
        try {
          const { bytesWritten } = await vol.direct!.write(buf, off, direct, position + off);
          off += bytesWritten;
          continue;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
          await vol.direct?.close().catch(() => {});
          vol.direct = undefined; // memory or filesystem not suitable: buffered from now on
        }
      }
      const { bytesWritten } = await vol.fh.write(buf, off, len, position + off);
      off += bytesWritten;
    } catch (e) {
      throw new TargetError(`cannot write ${path} at offset ${position + off}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}
