import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import binding from 'zstd-napi/binding.js';
import {
  BLOB_OVERHEAD,
  CHUNK_SIZE,
  FLAG_ZSTD,
  ID_LEN,
  NONCE_LEN,
  TAG_LEN,
  ZSTD_LEVEL,
  chunkAad,
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
/** For each sealed chunk: [offset in slot B, blob length, flags]. */
export interface SealRes {
  out: Array<[number, number, number]>;
}

export interface OpenReq {
  op: 'open';
  slot: number;
  encKey: Buffer;
  idKey: Buffer;
  verifyIds: boolean;
  /** [blob offset in slot B, blob length, chunk index (output in slot A at index*CHUNK_SIZE, id in ids area), raw length, flags] */
  items: Array<[number, number, number, number, number]>;
}
/** Chunk indexes that failed, with the reason. */
export interface OpenRes {
  bad: Array<[number, string]>;
}

export type OpReq = HashReq | SealReq | OpenReq;

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

export class ChunkOps {
  private readonly cctx = new binding.CCtx();
  private readonly dctx = new binding.DCtx();
  private readonly scratch = Buffer.allocUnsafe(binding.compressBound(CHUNK_SIZE));

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

  private seal(v: SlotViews, req: SealReq): SealRes {
    const out: Array<[number, number, number]> = [];
    const encKey = Buffer.from(req.encKey);
    const nonces = randomBytes(NONCE_LEN * req.idx.length); // one call per batch, not per chunk
    let pos = 0;
    for (let k = 0; k < req.idx.length; k++) {
      const i = req.idx[k]!;
      const len = req.lens[k]!;
      const data = v.a.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + len);
      const clen = this.cctx.compress(this.scratch, data, ZSTD_LEVEL);
      const useZ = clen < len - 64;
      const body = useZ ? this.scratch.subarray(0, clen) : data;
      const flags = useZ ? FLAG_ZSTD : 0;
      const nonce = v.b.subarray(pos, pos + NONCE_LEN);
      nonces.copy(nonce, 0, k * NONCE_LEN, (k + 1) * NONCE_LEN);
      const c = createCipheriv('aes-256-gcm', encKey, nonce);
      c.setAAD(chunkAad(v.ids.subarray(i * ID_LEN, (i + 1) * ID_LEN), flags));
      const ct = c.update(body);
      c.final();
      ct.copy(v.b, pos + NONCE_LEN);
      c.getAuthTag().copy(v.b, pos + NONCE_LEN + ct.length);
      const blen = ct.length + BLOB_OVERHEAD;
      out.push([pos, blen, flags]);
      pos += blen;
    }
    return { out };
  }

  private open(v: SlotViews, req: OpenReq): OpenRes {
    const bad: Array<[number, string]> = [];
    const encKey = Buffer.from(req.encKey);
    const idKey = Buffer.from(req.idKey);
    for (const [off, blen, i, raw, flags] of req.items) {
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
