import { randomBytes } from 'node:crypto';
import {
  MAGIC,
  PACK_ENTRY_MAX,
  PACK_TARGET,
  PACK_TRAILER_LEN,
  type PackBlob,
  type PackEntry,
  blobEntries,
  encodePackHeader,
  packTrailer,
  sealEnvelope,
} from './format.js';
import type { VaultContext } from './vault-context.js';

/** Chunks per pack at most (bounds the header; a pack of tiny chunks would otherwise grow a huge one). */
const MAX_ENTRIES = 4096;
/** Room for the header envelope twice (its copy, then itself) and the trailer. */
const HEADER_ROOM = 2 * (64 + 4 + MAX_ENTRIES * PACK_ENTRY_MAX + 1024) + PACK_TRAILER_LEN;

/**
 * Appends blobs to a pack buffer; a full pack is encrypted-header-terminated and put to the store. Only after the
 * put resolved (durable) are its chunks added to the index (`onDurable`). At most `maxInflight` puts run at once.
 */
export class PackWriter {
  private buf: Buffer | null = null;
  private pos = 0;
  private blobs: PackBlob[] = [];
  private chunks = 0;
  private readonly inflight = new Set<Promise<void>>();
  private error: unknown = null;
  private readonly spare: Buffer[] = [];
  storedBytes = 0;
  objectCount = 0;

  constructor(
    private readonly ctx: VaultContext,
    private readonly onDurable: (packId: string, size: number, entries: PackEntry[]) => Promise<void>,
    private readonly maxInflight = 2,
  ) {}

  /** Appends one blob: a single chunk, or a group whose members are listed in frame order. */
  add(blob: Buffer, flags: number, members: ReadonlyArray<{ id: Uint8Array; rawLength: number }>): void {
    if (this.buf && (this.pos + blob.length > PACK_TARGET || this.chunks + members.length > MAX_ENTRIES))
      this.seal();
    if (!this.buf) {
      this.buf = this.spare.pop() ?? Buffer.allocUnsafe(PACK_TARGET + HEADER_ROOM);
      this.pos = 0;
      this.blobs = [];
      this.chunks = 0;
    }
    blob.copy(this.buf, this.pos);
    this.blobs.push({
      length: blob.length,
      flags,
      members: members.map((m) => ({ id: Buffer.from(m.id), rawLength: m.rawLength })),
    });
    this.chunks += members.length;
    this.pos += blob.length;
  }

  /** Resolves once fewer than maxInflight puts are running; rejects if a put failed. */
  async backpressure(): Promise<void> {
    while (this.inflight.size >= this.maxInflight) await Promise.race(this.inflight);
    if (this.error) throw this.error;
  }

  private seal(): void {
    const buf = this.buf;
    if (!buf || this.blobs.length === 0) return;
    const blobs = this.blobs;
    const packId = randomBytes(16).toString('hex');
    const header = sealEnvelope(this.ctx.keys.encKey, MAGIC.packHeader, packId, encodePackHeader(blobs));
    let end = this.pos;
    const tail = 2 * header.length + PACK_TRAILER_LEN;
    const pack = tail + end <= buf.length ? buf : Buffer.concat([buf.subarray(0, end), Buffer.alloc(tail)]);
    // The header twice, byte for byte: a damaged byte in one leaves the other to index the pack by.
    header.copy(pack, end);
    end += header.length;
    header.copy(pack, end);
    end += header.length;
    packTrailer(header.length).copy(pack, end);
    end += PACK_TRAILER_LEN;
    const data = pack.subarray(0, end);
    this.buf = null;
    this.blobs = [];
    this.chunks = 0;
    const p: Promise<void> = this.ctx.store
      .put(this.ctx.packKey(packId), data)
      .then(() => {
        this.storedBytes += data.length;
        this.objectCount++;
        return this.onDurable(packId, data.length, blobEntries(blobs));
      })
      .catch((e) => {
        this.error ??= e;
      })
      .finally(() => {
        this.inflight.delete(p);
        if (pack === buf) this.spare.push(buf); // reuse: a steady backup allocates no new pack buffers
      });
    this.inflight.add(p);
  }

  /** Seals the last pack and waits for every put; throws the first failure. */
  async finish(): Promise<void> {
    this.seal();
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    if (this.error) throw this.error;
  }

  /** Waits for running puts without sealing (used when a backup fails). */
  async abandon(): Promise<void> {
    this.buf = null;
    await Promise.allSettled([...this.inflight]);
  }
}
