// The pure parts of salvaging a damaged pack header: an envelope decrypted without its tag gives the plaintext
// with only the damaged byte wrong, and a header parses up to its first undecodable blob.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CHUNK_SIZE,
  FLAG_GROUP,
  FLAG_ZSTD,
  MAGIC,
  type PackBlob,
  blobEntries,
  encodePackHeader,
  openEnvelopeUnverified,
  salvagePackHeader,
  sealEnvelope,
} from '../../src/engine/format.js';

const blobs: PackBlob[] = [
  { length: CHUNK_SIZE + 28, flags: 0, members: [{ id: randomBytes(32), rawLength: CHUNK_SIZE }] },
  {
    length: 5000,
    flags: FLAG_GROUP | FLAG_ZSTD,
    members: [
      { id: randomBytes(32), rawLength: CHUNK_SIZE },
      { id: randomBytes(32), rawLength: 1000 },
    ],
  },
  { length: 300, flags: FLAG_ZSTD, members: [{ id: randomBytes(32), rawLength: CHUNK_SIZE }] },
];

describe('pack header salvage', () => {
  it('an intact header salvages to exactly its entries', () => {
    assert.deepEqual(salvagePackHeader(encodePackHeader(blobs), 2), blobEntries(blobs));
  });

  it('a damaged length varint keeps the blobs before it', () => {
    const h = encodePackHeader(blobs);
    // Blob 0: flags (1) at 4, its length varint at 5..7, then the id; blob 1 starts at 4 + 1 + 3 + 32 + 1 = 41.
    const damaged = Buffer.from(h);
    damaged[42] = 0xff; // blob 1's length varint: now runs on into the member count and the id
    damaged[43] = 0xff;
    damaged[44] = 0xff;
    damaged[45] = 0xff;
    damaged[46] = 0xff;
    const got = salvagePackHeader(damaged, 2);
    assert.deepEqual(got, blobEntries(blobs.slice(0, 1)));
  });

  it('decrypting without the tag flips only the damaged byte', () => {
    const key = randomBytes(32);
    const plain = randomBytes(500);
    const env = sealEnvelope(key, MAGIC.packHeader, 'p', plain, false);
    env[9 + 12 + 100]! ^= 0x20;
    const got = openEnvelopeUnverified(key, MAGIC.packHeader, env)!;
    assert.equal(got.length, plain.length);
    const diff = [...got].flatMap((b, i) => (b === plain[i] ? [] : [i]));
    assert.deepEqual(diff, [100]);
    assert.equal(openEnvelopeUnverified(key, MAGIC.segment, env), null);
  });
});
