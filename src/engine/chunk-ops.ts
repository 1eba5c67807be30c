import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import binding from 'zstd-napi/binding.js';
import {
  BLOB_OVERHEAD,
  CHUNK_SIZE,
  FLAG_GROUP,
  FLAG_ZSTD,
  GROUP_MAX_CHUNKS,
  ID_LEN,
  NONCE_LEN,
  TAG_LEN,
  ZSTD_LEVEL,
  chunkAad,
  groupAad,
  groupDigest,
} from './format.js';

/**
 * The per-byte work of the engine (hash, zero test, compress, encrypt, decrypt, decompress) on one batch of up
 * to SLOT_CHUNKS chunks held in a shared memory slot. Runs inside worker threads (chunk-worker.ts) or inline.
 */
export const SLOT_CHUNKS = 64;
export const SLOT_A = SLOT_CHUNKS * CHUNK_SIZE;
export const SLOT_B = SLOT_CHUNKS * (CHUNK_SIZE + BLOB_OVERHEAD);
export const SLOT_IDS = SLOT_CHUNKS * ID_LEN;
/** Rounded up to whole pages, so slot A of every slot is page-aligned (O_DIRECT restore writes from it). */
export const SLOT_BYTES = Math.ceil((SLOT_A + SLOT_B + SLOT_IDS) / 4096) * 4096;

export interface SlotViews {
  a: Buffer;
  b: Buffer;
  ids: Buffer;
}

/** `align` = offset of the first page-aligned byte of the shared buffer (found by WorkerPool). */
export function slotViews(sab: SharedArrayBuffer, slot: number, align = 0): SlotViews {
  const base = align + slot * SLOT_BYTES;
  return {
    a: Buffer.from(sab, base, SLOT_A),
    b: Buffer.from(sab, base + SLOT_A, SLOT_B),
    ids: Buffer.from(sab, base + SLOT_A + SLOT_B, SLOT_IDS),
  };
}

export interface HashReq {
  op: 'hash';
  slot: number;
  idKey: Buffer;
  /** Byte length of chunk i in slot A (chunk i sits at i * CHUNK_SIZE); 0 = not read, skip. */
  lens: number[];
}
/** zero[i] = 1 when chunk i is all zeros (its id is left as 32 zero bytes). */
export interface HashRes {
  zero: number[];
}

export interface SealReq {
  op: 'seal';
  slot: number;
  encKey: Buffer;
  /** Chunk indexes (in slot A, ids in the ids area) to compress+encrypt, and their lengths. */
  idx: number[];
  lens: number[];
}
/**
 * The blobs written to slot B, in `idx` order: [offset in slot B, blob length, flags, member count]. A blob's
 * members are the next `member count` chunks of `idx` (1 for a single-chunk blob, more for a group).
 */
export interface SealRes {
  out: Array<[number, number, number, number]>;
}

export interface OpenReq {
  op: 'open';
  slot: number;
  encKey: Buffer;
  idKey: Buffer;
  verifyIds: boolean;
  /**
   * [blob offset in slot B, blob length, chunk index (output in slot A at index*CHUNK_SIZE, id in ids area), raw
   * length, flags, offset inside the group's frame, group digest (hex) or null]. Members of one group are adjacent.
   */
  items: OpenItem[];
}
/** Chunk indexes that failed, with the reason. */
export interface OpenRes {
  bad: Array<[number, string]>;
}

export type OpenItem = [number, number, number, number, number, number, string | null];

export type OpReq = HashReq | SealReq | OpenReq;

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);
const GROUP_BYTES = GROUP_MAX_CHUNKS * CHUNK_SIZE;
/**
 * Compressibility is judged on three 4 KiB samples of a chunk (its start, middle and end: 3/16 of the work of
 * compressing it whole), so text is compressed once, as part of its group, and random data is never compressed
 * whole only to be stored raw. A chunk compressible anywhere but at those three spots is stored raw: a few bytes
 * lost on rare chunks, against about a tenth of a full backup's CPU.
 */
const SAMPLE = 4096;
/** A blob is stored compressed only when that saves more than this per chunk. */
const MIN_GAIN = 64;

export class ChunkOps {
  private readonly cctx = new binding.CCtx();
  private readonly dctx = new binding.DCtx();
  private readonly scratch = Buffer.allocUnsafe(binding.compressBound(CHUNK_SIZE));
  /** A group's plaintext: gathered members when sealing, the decoded frame when opening. */
  private readonly groupBuf = Buffer.allocUnsafe(GROUP_BYTES);
  private readonly groupScratch = Buffer.allocUnsafe(binding.compressBound(GROUP_BYTES));

  constructor(
    private readonly sab: SharedArrayBuffer,
    private readonly align = 0,
  ) {}

  run(req: OpReq): HashRes | SealRes | OpenRes {
    const v = slotViews(this.sab, req.slot, this.align);
    switch (req.op) {
      case 'hash':
        return this.hash(v, req);
      case 'seal':
        return this.seal(v, req);
      case 'open':
        return this.open(v, req);
    }
  }

  private hash(v: SlotViews, req: HashReq): HashRes {
    const zero: number[] = new Array(req.lens.length).fill(0);
    const idKey = Buffer.from(req.idKey);
    for (let i = 0; i < req.lens.length; i++) {
      const len = req.lens[i]!;
      if (len === 0) continue;
      const data = v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + len);
      if (data.equals(len === CHUNK_SIZE ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, len))) {
        zero[i] = 1;
        v.ids.fill(0, i * ID_LEN, (i + 1) * ID_LEN);
        continue;
      }
      createHmac('sha256', idKey)
        .update(data)
        .digest()
        .copy(v.ids, i * ID_LEN);
    }
    return { zero };
  }

  /**
   * Consecutive compressible chunks of the request (up to GROUP_MAX_CHUNKS) become one group: one zstd frame,
   * sealed once. Incompressible chunks are stored raw, each its own blob.
   */
  private seal(v: SlotViews, req: SealReq): SealRes {
    const out: SealRes['out'] = [];
    const encKey = Buffer.from(req.encKey);
    const nonces = randomBytes(NONCE_LEN * req.idx.length); // one call per batch, not per blob
    let blobs = 0;
    let pos = 0;
    const chunk = (k: number) =>
      v.a.subarray(req.idx[k]! * CHUNK_SIZE, req.idx[k]! * CHUNK_SIZE + req.lens[k]!);
    const id = (k: number) => v.ids.subarray(req.idx[k]! * ID_LEN, (req.idx[k]! + 1) * ID_LEN);
    const emit = (body: Uint8Array, flags: number, aad: Buffer, count: number) => {
      const nonce = v.b.subarray(pos, pos + NONCE_LEN);
      nonces.copy(nonce, 0, blobs * NONCE_LEN, ++blobs * NONCE_LEN);
      const c = createCipheriv('aes-256-gcm', encKey, nonce);
      c.setAAD(aad);
      const ct = c.update(body);
      c.final();
      ct.copy(v.b, pos + NONCE_LEN);
      c.getAuthTag().copy(v.b, pos + NONCE_LEN + ct.length);
      const blen = ct.length + BLOB_OVERHEAD;
      out.push([pos, blen, flags, count]);
      pos += blen;
    };
    const single = (k: number) => {
      const data = chunk(k);
      const clen = this.cctx.compress(this.scratch, data, ZSTD_LEVEL);
      const flags = clen < data.length - MIN_GAIN ? FLAG_ZSTD : 0;
      emit(flags ? this.scratch.subarray(0, clen) : data, flags, chunkAad(id(k), flags), 1);
    };
    let group: number[] = [];
    const flushGroup = () => {
      const g = group;
      group = [];
      if (g.length === 0) return;
      if (g.length === 1) return single(g[0]!);
      const first = req.idx[g[0]!]!;
      let total = 0;
      let adjacent = true;
      g.forEach((k, j) => {
        if (req.idx[k] !== first + j || (total > 0 && total % CHUNK_SIZE !== 0)) adjacent = false;
        total += req.lens[k]!;
      });
      let src = v.a.subarray(first * CHUNK_SIZE, first * CHUNK_SIZE + total);
      if (!adjacent) {
        let p = 0;
        for (const k of g) p += chunk(k).copy(this.groupBuf, p);
        src = this.groupBuf.subarray(0, total);
      }
      const clen = this.cctx.compress(this.groupScratch, src, ZSTD_LEVEL);
      if (clen >= total - MIN_GAIN * g.length) {
        for (const k of g) single(k); // the samples misjudged the chunks: store them one by one
        return;
      }
      const flags = FLAG_ZSTD | FLAG_GROUP;
      const digest = groupDigest(g.map((k) => ({ id: id(k), rawLength: req.lens[k]! })));
      emit(this.groupScratch.subarray(0, clen), flags, groupAad(digest, flags), g.length);
    };
    for (let k = 0; k < req.idx.length; k++) {
      const data = chunk(k);
      if (!this.compressible(data)) {
        flushGroup();
        emit(data, 0, chunkAad(id(k), 0), 1);
        continue;
      }
      group.push(k);
      if (group.length === GROUP_MAX_CHUNKS) flushGroup();
    }
    flushGroup();
    return { out };
  }

  /** Whether any of the chunk's samples compresses (a chunk up to three samples long is tried whole). */
  private compressible(data: Buffer): boolean {
    const tries =
      data.length <= 3 * SAMPLE
        ? [data]
        : [0, (data.length - SAMPLE) >>> 1, data.length - SAMPLE].map((at) => data.subarray(at, at + SAMPLE));
    return tries.some((t) => this.cctx.compress(this.scratch, t, ZSTD_LEVEL) < t.length - MIN_GAIN);
  }

  /** Decrypts a group blob (checking its AAD, which names every member) and returns the zstd frame. */
  private decryptGroup(encKey: Buffer, b: Buffer, item: OpenItem): Buffer {
    const [off, blen, , , flags, , digest] = item;
    if (!digest) throw new Error('group blob without its member digest');
    if (blen < BLOB_OVERHEAD) throw new Error('blob too short');
    const d = createDecipheriv('aes-256-gcm', encKey, b.subarray(off, off + NONCE_LEN));
    d.setAAD(groupAad(Buffer.from(digest, 'hex'), flags));
    d.setAuthTag(b.subarray(off + blen - TAG_LEN, off + blen));
    const pt = d.update(b.subarray(off + NONCE_LEN, off + blen - TAG_LEN));
    try {
      d.final();
    } catch {
      throw new Error('authentication tag mismatch');
    }
    if (!(flags & FLAG_ZSTD)) throw new Error('group blob not compressed');
    return pt;
  }

  /**
   * Opens one group blob for its requested members (items[from..to), adjacent in the request). When they are the
   * whole group, in frame order on consecutive chunk slots (a full restore), the frame is decompressed straight into
   * slot A; otherwise into groupBuf, and each member's slice is copied out.
   */
  private openGroupMembers(
    v: SlotViews,
    items: OpenItem[],
    from: number,
    to: number,
    encKey: Buffer,
    idKey: Buffer | null,
    bad: Array<[number, string]>,
  ): void {
    const first = items[from]![2];
    let total = 0;
    let inPlace = true;
    for (let k = from; k < to; k++) {
      const [, , i, raw, , inner] = items[k]!;
      if (i !== first + (k - from) || inner !== total || (k < to - 1 && raw !== CHUNK_SIZE)) inPlace = false;
      total += raw;
    }
    let frame: Buffer;
    try {
      const pt = this.decryptGroup(encKey, v.b, items[from]!);
      inPlace &&= binding.getFrameContentSize(pt) === total;
      const dst = inPlace ? v.a.subarray(first * CHUNK_SIZE, first * CHUNK_SIZE + total) : this.groupBuf;
      let n: number;
      try {
        n = this.dctx.decompress(dst, pt);
      } catch (e) {
        throw new Error(`group does not decompress: ${(e as Error).message}`);
      }
      frame = dst.subarray(0, n);
    } catch (e) {
      for (let k = from; k < to; k++) bad.push([items[k]![2], (e as Error).message]);
      return;
    }
    for (let k = from; k < to; k++) {
      const [, , i, raw, , inner] = items[k]!;
      const dst = v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + raw);
      if (inner + raw > frame.length) {
        bad.push([i, `group holds ${frame.length} bytes, chunk ends at ${inner + raw}`]);
        continue;
      }
      if (!inPlace) frame.copy(dst, 0, inner, inner + raw);
      if (
        idKey &&
        !createHmac('sha256', idKey)
          .update(dst)
          .digest()
          .equals(v.ids.subarray(i * ID_LEN, (i + 1) * ID_LEN))
      )
        bad.push([i, 'digest mismatch']);
    }
  }

  private open(v: SlotViews, req: OpenReq): OpenRes {
    const bad: Array<[number, string]> = [];
    const encKey = Buffer.from(req.encKey);
    const idKey = Buffer.from(req.idKey);
    const items = req.items;
    for (let k = 0; k < items.length; k++) {
      const [off, blen, i, raw, flags] = items[k]!;
      if (flags & FLAG_GROUP) {
        let end = k + 1;
        while (end < items.length && items[end]![0] === off) end++;
        this.openGroupMembers(v, items, k, end, encKey, req.verifyIds ? idKey : null, bad);
        k = end - 1;
        continue;
      }
      const id = v.ids.subarray(i * ID_LEN, (i + 1) * ID_LEN);
      const dst = v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + raw);
      try {
        if (blen < BLOB_OVERHEAD) throw new Error('blob too short');
        const d = createDecipheriv('aes-256-gcm', encKey, v.b.subarray(off, off + NONCE_LEN));
        d.setAAD(chunkAad(id, flags));
        d.setAuthTag(v.b.subarray(off + blen - TAG_LEN, off + blen));
        const pt = d.update(v.b.subarray(off + NONCE_LEN, off + blen - TAG_LEN));
        try {
          d.final();
        } catch {
          throw new Error('authentication tag mismatch');
        }
        if (flags & FLAG_ZSTD) {
          const n = this.dctx.decompress(dst, pt);
          if (n !== raw) throw new Error(`decompressed ${n} bytes, expected ${raw}`);
        } else {
          if (pt.length !== raw) throw new Error(`stored ${pt.length} bytes, expected ${raw}`);
          pt.copy(dst);
        }
        if (req.verifyIds && !createHmac('sha256', idKey).update(dst).digest().equals(id)) {
          throw new Error('digest mismatch');
        }
      } catch (e) {
        bad.push([i, (e as Error).message]);
      }
    }
    return { bad };
  }
}
