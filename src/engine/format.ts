import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { compress, decompress } from 'zstd-napi';

/** Written into every manifest; restore dispatches on it. See docs/format.md. */
export const FORMAT_VERSION = 2;
export const CHUNK_SIZE = 64 * 1024;
export const SEGMENT_CHUNKS = 1024;
export const ID_LEN = 32;
export const NONCE_LEN = 12;
export const TAG_LEN = 16;
export const BLOB_OVERHEAD = NONCE_LEN + TAG_LEN;
export const PACK_TARGET = 8 * 1024 * 1024;
export const ZSTD_LEVEL = 3;
export const FLAG_ZSTD = 1;
/** The blob is a compression group: several chunks in one zstd frame, sealed once. */
export const FLAG_GROUP = 2;
/** A group holds at most this many chunks (1 MiB raw): the reader's decode buffer is sized by it. */
export const GROUP_MAX_CHUNKS = 16;
export const ZERO_ID = Buffer.alloc(ID_LEN);

export const MAGIC = {
  vaultKey: 'OCBRKEY1',
  /** Format 1 packs (one blob per chunk); still read, never written. */
  packV1: 'OCBRPK01',
  packHeaderV1: 'OCBRPKH1',
  pack: 'OCBRPK02',
  packHeader: 'OCBRPKH2',
  chunk: 'OCBRCHK1',
  group: 'OCBRGRP1',
  segment: 'OCBRSEG1',
  manifest: 'OCBRMAN1',
  /** A catalog record: what the service that owns the vault needs to rebuild its catalog (opaque here). */
  record: 'OCBRREC1',
} as const;

/** Record plaintext: u32 name length, name (UTF-8), then the caller's bytes. */
export function encodeRecord(name: string, data: Uint8Array): Buffer {
  const n = Buffer.from(name, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(n.length, 0);
  return Buffer.concat([head, n, data]);
}

export function decodeRecord(buf: Buffer): { name: string; data: Buffer } {
  if (buf.length < 4) throw new EnvelopeError('record truncated');
  const nl = buf.readUInt32LE(0);
  if (4 + nl > buf.length) throw new EnvelopeError('record truncated');
  return { name: buf.toString('utf8', 4, 4 + nl), data: Buffer.from(buf.subarray(4 + nl)) };
}

/** Format 1 header entry: id, offset, stored length, raw length (u32 each), flags. */
export const PACK_ENTRY_LEN_V1 = ID_LEN + 4 + 4 + 4 + 1;
/** Upper bound of one chunk's share of a format 2 header (a single-chunk blob with every varint at its widest). */
export const PACK_ENTRY_MAX = ID_LEN + 1 + 5 + 5 + 5;
export const PACK_TRAILER_LEN = 4 + 8;

/** magic | flags | 32-byte binding: the AAD layout shared by chunk and group blobs. */
function blobAad(magic: string, flags: number, binding: Uint8Array): Buffer {
  const aad = Buffer.allocUnsafe(8 + 1 + ID_LEN);
  aad.write(magic, 0, 'latin1');
  aad[8] = flags;
  aad.set(binding, 9);
  return aad;
}

/** AAD of a chunk blob: binds the ciphertext to its chunk id and compression flag. */
export function chunkAad(id: Uint8Array, flags: number): Buffer {
  return blobAad(MAGIC.chunk, flags, id);
}

/** Digest of a group's members (ids and raw lengths, in frame order); the group blob's AAD carries it. */
export function groupDigest(members: ReadonlyArray<{ id: Uint8Array; rawLength: number }>): Buffer {
  const h = createHash('sha256');
  const len = Buffer.allocUnsafe(4);
  for (const m of members) {
    len.writeUInt32LE(m.rawLength, 0);
    h.update(m.id).update(len);
  }
  return h.digest();
}

/** AAD of a group blob: binds the ciphertext to every member chunk id, its raw length and their order. */
export function groupAad(digest: Uint8Array, flags: number): Buffer {
  return blobAad(MAGIC.group, flags, digest);
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

/**
 * Decrypts an envelope without checking its tag (AES-GCM is a stream cipher: a flipped ciphertext byte flips
 * the same plaintext byte only). For salvaging a damaged pack header: every entry read from it must then be
 * proven by its own blob's AEAD check. Null when the bytes cannot even be decoded.
 */
export function openEnvelopeUnverified(key: Buffer, magic: string, data: Buffer): Buffer | null {
  if (data.length < 9 + NONCE_LEN + TAG_LEN || data.toString('latin1', 0, 8) !== magic) return null;
  const d = createDecipheriv('aes-256-gcm', key, data.subarray(9, 9 + NONCE_LEN));
  const body = d.update(data.subarray(9 + NONCE_LEN, data.length - TAG_LEN));
  try {
    return data[8]! & FLAG_ZSTD ? decompress(body) : body;
  } catch {
    return null;
  }
}

export function keyedHex(key: Buffer, data: Uint8Array | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** One chunk's place in a pack: the blob holding it and, for a group, its slice of the decoded frame. */
export interface PackEntry {
  id: Buffer;
  /** Blob offset and stored length in the pack. */
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
  /** Byte offset of the chunk inside the group's decompressed frame (0 for a single-chunk blob). */
  inner: number;
  /** groupDigest of the blob's members when the blob is a group, else null. */
  group: Buffer | null;
}

/** One stored blob as the pack writer lays it out: a single chunk or a group (members in frame order). */
export interface PackBlob {
  length: number;
  flags: number;
  members: Array<{ id: Buffer; rawLength: number }>;
}

/** The per-chunk entries of blobs laid back to back from offset 0. */
export function blobEntries(blobs: readonly PackBlob[]): PackEntry[] {
  const out: PackEntry[] = [];
  let offset = 0;
  for (const b of blobs) {
    const group = b.flags & FLAG_GROUP ? groupDigest(b.members) : null;
    let inner = 0;
    for (const m of b.members) {
      out.push({ id: m.id, offset, length: b.length, rawLength: m.rawLength, flags: b.flags, inner, group });
      inner += m.rawLength;
    }
    offset += b.length;
  }
  return out;
}

function putVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

function getVarint(buf: Buffer, at: { p: number }): number {
  let v = 0;
  for (let shift = 1; ; shift *= 128) {
    if (at.p >= buf.length || shift > 2 ** 35) throw new EnvelopeError('pack header truncated');
    const b = buf[at.p++]!;
    v += (b & 0x7f) * shift;
    if (b < 0x80) return v;
  }
}

/**
 * Format 2 header: u32 blob count, then per blob: flags (u8), stored length (varint), for a group its member count
 * (varint), then per member: chunk id (32) and CHUNK_SIZE - raw length (varint, 0 for a full chunk). Blob offsets
 * and offsets inside a group are implied by the lengths (blobs are back to back from 0, members in frame order).
 */
export function encodePackHeader(blobs: readonly PackBlob[]): Buffer {
  let chunks = 0;
  for (const b of blobs) chunks += b.members.length;
  const buf = Buffer.allocUnsafe(4 + blobs.length * 11 + chunks * (ID_LEN + 5));
  buf.writeUInt32LE(blobs.length, 0);
  let p = 4;
  for (const b of blobs) {
    buf[p++] = b.flags;
    p = putVarint(buf, p, b.length);
    if (b.flags & FLAG_GROUP) p = putVarint(buf, p, b.members.length);
    for (const m of b.members) {
      buf.set(m.id, p);
      p = putVarint(buf, p + ID_LEN, CHUNK_SIZE - m.rawLength);
    }
  }
  return buf.subarray(0, p);
}

/** Decodes a pack header of either format (the pack trailer's magic says which). */
export function decodePackHeader(buf: Buffer, version: 1 | 2): PackEntry[] {
  return version === 1 ? decodePackHeaderV1(buf) : decodePackHeaderV2(buf);
}

function decodePackHeaderV2(buf: Buffer): PackEntry[] {
  const { blobs, error } = parseBlobsV2(buf);
  if (error) throw error;
  return blobEntries(blobs);
}

/**
 * The entries of a damaged header's plaintext, as far as it parses (format 2: every blob before the first
 * undecodable one, each entry still to be proven by its blob's AEAD; format 1: every fixed-size entry).
 */
export function salvagePackHeader(buf: Buffer, version: 1 | 2): PackEntry[] {
  if (version === 1) return entriesV1(buf, Math.floor(Math.max(0, buf.length - 4) / PACK_ENTRY_LEN_V1));
  return blobEntries(parseBlobsV2(buf).blobs);
}

function parseBlobsV2(buf: Buffer): { blobs: PackBlob[]; error: EnvelopeError | null } {
  const blobs: PackBlob[] = [];
  try {
    parseBlobsInto(buf, blobs);
    return { blobs, error: null };
  } catch (e) {
    if (e instanceof EnvelopeError) return { blobs, error: e };
    throw e;
  }
}

function parseBlobsInto(buf: Buffer, blobs: PackBlob[]): void {
  if (buf.length < 4) throw new EnvelopeError('pack header truncated');
  const n = buf.readUInt32LE(0);
  const at = { p: 4 };
  for (let i = 0; i < n; i++) {
    if (at.p >= buf.length) throw new EnvelopeError('pack header truncated');
    const flags = buf[at.p++]!;
    const length = getVarint(buf, at);
    const count = flags & FLAG_GROUP ? getVarint(buf, at) : 1;
    if (count < 1 || count > GROUP_MAX_CHUNKS) throw new EnvelopeError('pack header: bad group size');
    const members: PackBlob['members'] = [];
    for (let k = 0; k < count; k++) {
      if (at.p + ID_LEN > buf.length) throw new EnvelopeError('pack header truncated');
      const id = Buffer.from(buf.subarray(at.p, at.p + ID_LEN));
      at.p += ID_LEN;
      const short = getVarint(buf, at);
      if (short >= CHUNK_SIZE) throw new EnvelopeError('pack header: bad chunk length');
      members.push({ id, rawLength: CHUNK_SIZE - short });
    }
    blobs.push({ length, flags, members });
  }
  if (at.p !== buf.length) throw new EnvelopeError('pack header length mismatch');
}

function decodePackHeaderV1(buf: Buffer): PackEntry[] {
  const n = buf.readUInt32LE(0);
  if (buf.length !== 4 + n * PACK_ENTRY_LEN_V1) throw new EnvelopeError('pack header length mismatch');
  return entriesV1(buf, n);
}

/** The first `n` fixed-size format-1 entries after the 4-byte count (the caller has checked they fit). */
function entriesV1(buf: Buffer, n: number): PackEntry[] {
  const out: PackEntry[] = [];
  for (let i = 0, p = 4; i < n; i++, p += PACK_ENTRY_LEN_V1) {
    out.push({
      id: Buffer.from(buf.subarray(p, p + 32)),
      offset: buf.readUInt32LE(p + 32),
      length: buf.readUInt32LE(p + 36),
      rawLength: buf.readUInt32LE(p + 40),
      flags: buf[p + 44]! & FLAG_ZSTD,
      inner: 0,
      group: null,
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
