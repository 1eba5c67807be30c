import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { compress, decompress } from 'zstd-napi';

/** Written into every manifest; restore dispatches on it. See docs/format.md. */
export const FORMAT_VERSION = 1;
export const CHUNK_SIZE = 64 * 1024;
export const SEGMENT_CHUNKS = 1024;
export const ID_LEN = 32;
export const NONCE_LEN = 12;
export const TAG_LEN = 16;
export const BLOB_OVERHEAD = NONCE_LEN + TAG_LEN;
export const PACK_TARGET = 8 * 1024 * 1024;
export const ZSTD_LEVEL = 3;
export const FLAG_ZSTD = 1;
export const ZERO_ID = Buffer.alloc(ID_LEN);

export const MAGIC = {
  vaultKey: 'OCBRKEY1',
  pack: 'OCBRPK01',
  packHeader: 'OCBRPKH1',
  chunk: 'OCBRCHK1',
  segment: 'OCBRSEG1',
  manifest: 'OCBRMAN1',
} as const;

export const PACK_ENTRY_LEN = ID_LEN + 4 + 4 + 4 + 1;
export const PACK_TRAILER_LEN = 4 + 8;

/** AAD of a chunk blob: binds the ciphertext to its chunk id and compression flag. */
export function chunkAad(id: Uint8Array, flags: number): Buffer {
  const aad = Buffer.allocUnsafe(8 + 1 + ID_LEN);
  aad.write(MAGIC.chunk, 0, 'latin1');
  aad[8] = flags;
  aad.set(id, 9);
  return aad;
}

export class EnvelopeError extends Error {}

/** Encrypts a metadata object: magic | flags | nonce | ciphertext | tag, AAD = magic | flags | context. */
export function sealEnvelope(
  key: Buffer,
  magic: string,
  context: string,
  plain: Uint8Array,
  zstd = true,
): Buffer {
  const flags = zstd ? FLAG_ZSTD : 0;
  const body = zstd ? compress(plain, { compressionLevel: ZSTD_LEVEL }) : plain;
  const nonce = randomBytes(NONCE_LEN);
  const head = Buffer.alloc(9);
  head.write(magic, 0, 'latin1');
  head[8] = flags;
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.concat([head, Buffer.from(context)]));
  const ct = Buffer.concat([c.update(body), c.final()]);
  return Buffer.concat([head, nonce, ct, c.getAuthTag()]);
}

export function openEnvelope(key: Buffer, magic: string, context: string, data: Buffer): Buffer {
  if (data.length < 9 + NONCE_LEN + TAG_LEN || data.toString('latin1', 0, 8) !== magic) {
    throw new EnvelopeError(`not a ${magic} object`);
  }
  const head = data.subarray(0, 9);
  const flags = data[8]!;
  const nonce = data.subarray(9, 9 + NONCE_LEN);
  const ct = data.subarray(9 + NONCE_LEN, data.length - TAG_LEN);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(Buffer.concat([head, Buffer.from(context)]));
  d.setAuthTag(data.subarray(data.length - TAG_LEN));
  let body: Buffer;
  try {
    body = Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw new EnvelopeError(`${magic} object failed authentication (${context})`);
  }
  return flags & FLAG_ZSTD ? decompress(body) : body;
}

export function keyedHex(key: Buffer, data: Uint8Array | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

export interface PackEntry {
  id: Buffer;
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
}

export function encodePackHeader(entries: PackEntry[]): Buffer {
  const buf = Buffer.allocUnsafe(4 + entries.length * PACK_ENTRY_LEN);
  buf.writeUInt32LE(entries.length, 0);
  let p = 4;
  for (const e of entries) {
    buf.set(e.id, p);
    buf.writeUInt32LE(e.offset, p + 32);
    buf.writeUInt32LE(e.length, p + 36);
    buf.writeUInt32LE(e.rawLength, p + 40);
    buf[p + 44] = e.flags;
    p += PACK_ENTRY_LEN;
  }
  return buf;
}

export function decodePackHeader(buf: Buffer): PackEntry[] {
  const n = buf.readUInt32LE(0);
  if (buf.length !== 4 + n * PACK_ENTRY_LEN) throw new EnvelopeError('pack header length mismatch');
  const out: PackEntry[] = [];
  for (let i = 0, p = 4; i < n; i++, p += PACK_ENTRY_LEN) {
    out.push({
      id: Buffer.from(buf.subarray(p, p + 32)),
      offset: buf.readUInt32LE(p + 32),
      length: buf.readUInt32LE(p + 36),
      rawLength: buf.readUInt32LE(p + 40),
      flags: buf[p + 44]!,
    });
  }
  return out;
}

/** Pack trailer: header envelope length + magic; lets a reader find the header with one ranged read. */
export function packTrailer(headerLen: number): Buffer {
  const t = Buffer.allocUnsafe(PACK_TRAILER_LEN);
  t.writeUInt32LE(headerLen, 0);
  t.write(MAGIC.pack, 4, 'latin1');
  return t;
}

export function encodeSegment(ids: Buffer, count: number): Buffer {
  const buf = Buffer.allocUnsafe(4 + count * ID_LEN);
  buf.writeUInt32LE(count, 0);
  ids.copy(buf, 4, 0, count * ID_LEN);
  return buf;
}

export function decodeSegment(buf: Buffer): Buffer {
  const n = buf.readUInt32LE(0);
  if (buf.length !== 4 + n * ID_LEN) throw new EnvelopeError('segment length mismatch');
  return buf.subarray(4);
}

export interface ManifestMeta {
  formatVersion: number;
  backupId: string;
  vaultId: string;
  parentBackupId: string | null;
  createdAt: string;
  volumeSize: number;
  chunkSize: number;
  segmentChunks: number;
  segmentCount: number;
  chunkCount: number;
  labels: Record<string, string>;
  stats: {
    bytesRead: number;
    newChunks: number;
    storedBytes: number;
    objectCount: number;
    durationMs: number;
  };
}

export function encodeManifest(meta: ManifestMeta, segmentIds: Buffer[]): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(json.length, 0);
  return Buffer.concat([head, json, ...segmentIds]);
}

export function decodeManifest(buf: Buffer): { meta: ManifestMeta; segmentIds: Buffer[] } {
  const jl = buf.readUInt32LE(0);
  const meta = JSON.parse(buf.toString('utf8', 4, 4 + jl)) as ManifestMeta;
  const ids: Buffer[] = [];
  for (let p = 4 + jl; p < buf.length; p += ID_LEN) ids.push(Buffer.from(buf.subarray(p, p + ID_LEN)));
  if (ids.length !== meta.segmentCount) throw new EnvelopeError('manifest segment count mismatch');
  return { meta, segmentIds: ids };
}

export function chunkCountOf(volumeSize: number, chunkSize = CHUNK_SIZE): number {
  return Math.ceil(volumeSize / chunkSize);
}
