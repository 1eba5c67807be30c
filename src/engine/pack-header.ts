import { createDecipheriv } from 'node:crypto';
import type { ObjectStore } from '../objects/index.js';
import {
  EnvelopeError,
  FLAG_GROUP,
  MAGIC,
  NONCE_LEN,
  PACK_TRAILER_LEN,
  type PackEntry,
  TAG_LEN,
  chunkAad,
  decodePackHeader,
  groupAad,
  openEnvelope,
  openEnvelopeUnverified,
  salvagePackHeader,
} from './format.js';

/** How a pack's header was read: the entries to index, and what (if anything) was wrong with the header. */
export interface PackHeaderRead {
  entries: PackEntry[];
  /** null when the header authenticated; otherwise the damage found and how the entries were obtained. */
  damage: string | null;
  /**
   * The entries were salvaged from a header that failed authentication in every copy, each one proven by its
   * blob's AEAD check: chunks whose entry did not survive may still be in the pack, so GC must keep it.
   */
  salvaged: boolean;
}

/** Tail read when the header is damaged: two headers of a full pack fit easily. */
const SEARCH_TAIL = 1024 * 1024;

/**
 * Reads a pack's header: the envelope the trailer points at, else the copy written before it (or any header
 * envelope found in the tail, when the trailer itself is damaged), else the entries salvaged from the
 * unauthenticated plaintext of every copy and kept only where the blob they describe passes its AEAD check.
 */
export async function readPackHeader(
  store: ObjectStore,
  encKey: Buffer,
  key: string,
  packId: string,
  size: number,
  opts: { checkCopy?: boolean } = {},
): Promise<PackHeaderRead> {
  const tailLen = Math.min(size, 64 * 1024);
  let tail = await store.get(key, { offset: size - tailLen, length: tailLen });
  let problem: string;
  const magic = tail.length < PACK_TRAILER_LEN ? '' : tail.toString('latin1', tail.length - 8);
  const version = magic === MAGIC.pack ? 2 : magic === MAGIC.packV1 ? 1 : 0;
  if (version === 0) problem = 'has a bad trailer';
  else {
    const hlen = tail.readUInt32LE(tail.length - PACK_TRAILER_LEN);
    if (hlen + PACK_TRAILER_LEN > size) problem = 'has a bad header length';
    else {
      if (hlen + PACK_TRAILER_LEN > tail.length) {
        tail = await store.get(key, {
          offset: size - hlen - PACK_TRAILER_LEN,
          length: hlen + PACK_TRAILER_LEN,
        });
      }
      const env = tail.subarray(tail.length - PACK_TRAILER_LEN - hlen, tail.length - PACK_TRAILER_LEN);
      const headerMagic = version === 2 ? MAGIC.packHeader : MAGIC.packHeaderV1;
      try {
        const entries = decodePackHeader(openEnvelope(encKey, headerMagic, packId, env), version);
        const damage = opts.checkCopy ? await copyDamage(store, key, packId, size, env, headerMagic) : null;
        return { entries, damage, salvaged: false };
      } catch (e) {
        if (!(e instanceof EnvelopeError)) throw e;
        problem = `header is damaged (${e.message})`;
      }
    }
  }

  // Every header envelope in the tail: each runs up to the next one, the last up to the trailer.
  const searchLen = Math.min(size, SEARCH_TAIL);
  const base = size - searchLen;
  const area = await store.get(key, { offset: base, length: searchLen });
  const found: Array<{ at: number; version: 1 | 2 }> = [];
  for (const [m, v] of [
    [MAGIC.packHeader, 2],
    [MAGIC.packHeaderV1, 1],
  ] as const) {
    for (let i = area.indexOf(m, 0, 'latin1'); i >= 0; i = area.indexOf(m, i + 1, 'latin1'))
      found.push({ at: i, version: v });
  }
  found.sort((a, b) => a.at - b.at);
  const end = Math.max(0, area.length - PACK_TRAILER_LEN);
  const candidates = found
    .map((f, k) => ({ ...f, env: area.subarray(f.at, k + 1 < found.length ? found[k + 1]!.at : end) }))
    .filter((c) => c.env.length > 0);
  for (const c of candidates) {
    try {
      const entries = decodePackHeader(
        openEnvelope(encKey, headerMagicOf(c.version), packId, c.env),
        c.version,
      );
      return { entries, damage: `pack ${packId} ${problem}; its copy is intact`, salvaged: false };
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e;
    }
  }
  if (candidates.length === 0) throw new EnvelopeError(`pack ${packId} ${problem} and holds no header copy`);

  // No copy authenticates: take what each copy still describes, and keep each blob only if its AEAD holds.
  const blobEnd = base + candidates[0]!.at;
  const blobs = new Map<string, PackEntry[]>();
  for (const c of candidates) {
    const plain = openEnvelopeUnverified(encKey, headerMagicOf(c.version), c.env);
    if (!plain) continue;
    const byOffset = new Map<number, PackEntry[]>();
    for (const e of salvagePackHeader(plain, c.version)) {
      if (e.offset + e.length > blobEnd || e.length < NONCE_LEN + TAG_LEN) continue;
      byOffset.set(e.offset, [...(byOffset.get(e.offset) ?? []), e]);
    }
    for (const [offset, members] of byOffset) {
      const ids = members.map((m) => m.id.toString('hex')).join(',');
      blobs.set(`${offset}:${members[0]!.length}:${members[0]!.flags}:${ids}`, members);
    }
  }
  const data = blobs.size > 0 ? await store.get(key, { offset: 0, length: blobEnd }) : Buffer.alloc(0);
  const entries: PackEntry[] = [];
  const taken = new Set<number>();
  for (const members of blobs.values()) {
    const first = members[0]!;
    if (taken.has(first.offset)) continue;
    if (blobAuthenticates(encKey, data.subarray(first.offset, first.offset + first.length), first)) {
      taken.add(first.offset);
      entries.push(...members);
    }
  }
  entries.sort((a, b) => a.offset - b.offset || a.inner - b.inner);
  return {
    entries,
    damage: `pack ${packId} ${problem} in every copy; ${entries.length} chunks recovered by their own AEAD check`,
    salvaged: true,
  };
}

/**
 * The copy is byte-identical to the header and sits right before it. A pack written before copies existed has
 * blob bytes there instead, which do not start with the header's magic (a copy whose magic is damaged is missed).
 */
async function copyDamage(
  store: ObjectStore,
  key: string,
  packId: string,
  size: number,
  env: Buffer,
  magic: string,
): Promise<string | null> {
  const at = size - PACK_TRAILER_LEN - 2 * env.length;
  if (at < 0) return null;
  const copy = await store.get(key, { offset: at, length: env.length });
  if (copy.toString('latin1', 0, 8) !== magic || copy.equals(env)) return null;
  return `pack ${packId}: the copy of its header is damaged (the header itself is intact)`;
}

function headerMagicOf(version: 1 | 2): string {
  return version === 2 ? MAGIC.packHeader : MAGIC.packHeaderV1;
}

/** True when the blob decrypts under the AAD its (salvaged) header entry implies. */
function blobAuthenticates(encKey: Buffer, blob: Buffer, e: PackEntry): boolean {
  try {
    const d = createDecipheriv('aes-256-gcm', encKey, blob.subarray(0, NONCE_LEN));
    d.setAAD(e.flags & FLAG_GROUP && e.group ? groupAad(e.group, e.flags) : chunkAad(e.id, e.flags));
    d.setAuthTag(blob.subarray(blob.length - TAG_LEN));
    d.update(blob.subarray(NONCE_LEN, blob.length - TAG_LEN));
    d.final();
    return true;
  } catch {
    return false;
  }
}
