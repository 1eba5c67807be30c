import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compress } from 'zstd-napi';
import {
  FLAG_GROUP,
  FLAG_ZSTD,
  ID_LEN,
  PACK_ENTRY_LEN_V1,
  blobEntries,
  decodePackHeader,
  encodePackHeader,
  groupDigest,
} from '../../src/engine/format.js';
import { CHUNK_SIZE, CorruptDataError, FORMAT_VERSION, type VaultEngine } from '../../src/engine/index.js';
import { type Sandbox, sandbox, sha256File } from './helpers.js';

const WORDS = [
  'vault',
  'backup',
  'restore',
  'volume',
  'policy',
  'status',
  'error',
  'lorem',
  'ipsum',
  '03:41:07',
];

/** Text of random words: compressible, but every chunk different. */
function text(len: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  while (n <= len) {
    const w = WORDS[Math.floor(Math.random() * WORDS.length)]!;
    parts.push(w);
    n += w.length + 1;
  }
  return Buffer.from(parts.join(' ').slice(0, len));
}

/** Half random, half text: compresses to about 55 %, so a group of such chunks is large. */
function halfText(): Buffer {
  return Buffer.concat([randomBytes(CHUNK_SIZE / 2), text(CHUNK_SIZE / 2)]);
}

function volume(path: string, chunks: Buffer[], tail = 0): void {
  const buf = Buffer.concat(chunks);
  writeFileSync(path, tail ? buf.subarray(0, buf.length - tail) : buf);
}

function packFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...packFiles(p));
    else if (e.name.endsWith('.obj')) out.push(p);
  }
  return out;
}

function flipByte(path: string, at: number): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0x01;
  writeFileSync(path, b);
}

describe('compression groups', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine()).vault('groups');
  });
  after(() => sb.cleanup());

  it('text chunks are stored as groups (smaller than chunk by chunk) and restore byte for byte', async () => {
    // 40 text chunks (groups of 16, 16 and 8), random ones between, a short last chunk inside a group.
    const chunks = [
      ...Array.from({ length: 20 }, () => text(CHUNK_SIZE)),
      randomBytes(CHUNK_SIZE),
      ...Array.from({ length: 20 }, () => text(CHUNK_SIZE)),
    ];
    volume(sb.path('t.img'), chunks, 1000);
    const st = await vault.backup({ backupId: 't1', source: sb.path('t.img') });
    assert.equal(st.formatVersion, FORMAT_VERSION);
    assert.equal(st.newChunks, 41);
    const one = chunks.map((c, i) => (i === 40 ? c.subarray(0, CHUNK_SIZE - 1000) : c));
    const alone = one.reduce(
      (s, c) => s + Math.min(c.length, compress(c, { compressionLevel: 3 }).length) + 28,
      0,
    );
    const packs = packFiles(join(sb.storeDir, 'vaults', 'groups', 'packs'));
    const packBytes = packs.reduce((s, p) => s + readFileSync(p).length, 0);
    assert.ok(packBytes < alone, `packs ${packBytes} B, chunk by chunk ${alone} B`);
    await vault.restore({ backupId: 't1', target: sb.path('t.out') });
    assert.equal(sha256File(sb.path('t.out')), sha256File(sb.path('t.img')));
    const r = await vault.verify('t1');
    assert.equal(r.ok, true);
    assert.equal(r.checkedChunks, 41);
  });

  it('a corrupted group: verify reports every chunk of it, restore refuses naming the first offset', async () => {
    const v = await (await sb.engine()).vault('corrupt-group');
    // Chunks 0-3 random (single blobs of 64 KiB + 28 each), 4-19 text (one group), 20-23 random.
    const chunks = [
      ...Array.from({ length: 4 }, () => randomBytes(CHUNK_SIZE)),
      ...Array.from({ length: 16 }, () => text(CHUNK_SIZE)),
      ...Array.from({ length: 4 }, () => randomBytes(CHUNK_SIZE)),
    ];
    volume(sb.path('c.img'), chunks);
    await v.backup({ backupId: 'c1', source: sb.path('c.img') });
    const [pack] = packFiles(join(sb.storeDir, 'vaults', 'corrupt-group', 'packs'));
    flipByte(pack!, 4 * (CHUNK_SIZE + 28) + 100);
    const r = await v.verify('c1');
    assert.equal(r.ok, false);
    assert.deepEqual(r.badRegions, [
      { offset: 4 * CHUNK_SIZE, length: 16 * CHUNK_SIZE, reason: 'authentication tag mismatch' },
    ]);
    assert.equal(r.checkedChunks, 8);
    await assert.rejects(v.restore({ backupId: 'c1', target: sb.path('c.out') }), (e: unknown) => {
      assert.ok(e instanceof CorruptDataError);
      assert.equal(e.offset, 4 * CHUNK_SIZE);
      assert.match(e.message, new RegExp(`offset ${4 * CHUNK_SIZE}`));
      return true;
    });
    const written = readFileSync(sb.path('c.out'));
    for (let c = 4; c < 20; c++) {
      const region = written.subarray(c * CHUNK_SIZE, (c + 1) * CHUNK_SIZE);
      assert.ok(
        region.length === 0 || !region.equals(chunks[c]!),
        `chunk ${c} was restored from a bad group`,
      );
    }
  });

  it('an incremental and a reshuffled volume that use parts of many old groups restore byte for byte', async () => {
    const v = await (await sb.engine()).vault('parts');
    // 128 half-text chunks: 8 groups of ~600 KB, so one batch of 64 chunks drawn from all of them needs more
    // blob room than a slot has and is opened in several rounds.
    const base = Array.from({ length: 128 }, () => halfText());
    volume(sb.path('p1.img'), base);
    await v.backup({ backupId: 'p1', source: sb.path('p1.img') });
    // Incremental: every third chunk rewritten (new text), the rest are slices of p1's groups.
    const changed = base.map((c, i) => (i % 3 === 0 ? text(CHUNK_SIZE) : c));
    volume(sb.path('p2.img'), changed);
    const ext: Array<[number, number]> = [];
    for (let i = 0; i < 128; i += 3) ext.push([i * CHUNK_SIZE, CHUNK_SIZE]);
    const p2 = await v.backup({
      backupId: 'p2',
      source: sb.path('p2.img'),
      parentBackupId: 'p1',
      changedExtents: ext,
    });
    assert.equal(p2.newChunks, 43);
    await v.restore({ backupId: 'p2', target: sb.path('p2.out') });
    assert.equal(sha256File(sb.path('p2.out')), sha256File(sb.path('p2.img')));
    // Reshuffled: chunk i of the new volume is chunk (i * 8) % 127 of p1 (a permutation): nothing new is stored.
    const shuffled = base.map((_, i) => base[i === 127 ? 127 : (i * 8) % 127]!);
    volume(sb.path('p3.img'), shuffled);
    const p3 = await v.backup({ backupId: 'p3', source: sb.path('p3.img') });
    assert.equal(p3.newChunks, 0);
    await v.restore({ backupId: 'p3', target: sb.path('p3.out') });
    assert.equal(sha256File(sb.path('p3.out')), sha256File(sb.path('p3.img')));
    const r = await v.verify('p3');
    assert.equal(r.ok, true);
    assert.equal(r.checkedChunks, 128);
  });

  it('gc repacks packs whose groups are partly live: whole groups move, data stays restorable', async () => {
    const v = await (await sb.engine()).vault('repack-groups');
    // r1: 64 text chunks (4 groups), then 96 random chunks.
    const r1 = [
      ...Array.from({ length: 64 }, () => text(CHUNK_SIZE)),
      ...Array.from({ length: 96 }, () => randomBytes(CHUNK_SIZE)),
    ];
    volume(sb.path('r1.img'), r1);
    await v.backup({ backupId: 'r1', source: sb.path('r1.img') });
    // r2 keeps every fourth chunk: each group is a quarter live, most of the random data dies.
    const r2 = r1.map((c, i) => (i % 4 === 0 ? c : randomBytes(CHUNK_SIZE)));
    volume(sb.path('r2.img'), r2);
    await v.backup({ backupId: 'r2', source: sb.path('r2.img'), parentBackupId: 'r1' });
    await v.deleteBackup('r1');
    const gc = await v.gc();
    assert.ok(gc.repackedPacks >= 1, 'the pack of r1 is mostly dead');
    await v.restore({ backupId: 'r2', target: sb.path('r2.out') });
    assert.equal(sha256File(sb.path('r2.out')), sha256File(sb.path('r2.img')));
    assert.equal((await v.verify('r2')).ok, true);
    // The moved groups are found from the pack headers alone, and a second repack of them keeps them intact.
    const fresh = await (await sb.engine({ stateDir: sb.path('state-fresh') })).vault('repack-groups');
    await fresh.restore({ backupId: 'r2', target: sb.path('r2b.out') });
    assert.equal(sha256File(sb.path('r2b.out')), sha256File(sb.path('r2.img')));
    // r3 keeps one chunk per group and nothing else of r1: the repacked pack is repacked again.
    const r3 = r2.map((c, i) => (i < 64 && i % 16 === 0 ? c : randomBytes(CHUNK_SIZE)));
    volume(sb.path('r3.img'), r3);
    await fresh.backup({ backupId: 'r3', source: sb.path('r3.img'), parentBackupId: 'r2' });
    await fresh.deleteBackup('r2');
    assert.ok((await fresh.gc()).repackedPacks >= 1, 'the repacked pack is mostly dead again');
    await fresh.restore({ backupId: 'r3', target: sb.path('r3.out') });
    assert.equal(sha256File(sb.path('r3.out')), sha256File(sb.path('r3.img')));
    assert.equal((await fresh.verify('r3')).ok, true);
  });
});

describe('pack header format', () => {
  const id = (b: number) => Buffer.alloc(ID_LEN, b);

  it('format 2 round-trips singles and groups with implied offsets', () => {
    const blobs = [
      { length: 65_564, flags: 0, members: [{ id: id(1), rawLength: CHUNK_SIZE }] },
      {
        length: 20_000,
        flags: FLAG_ZSTD | FLAG_GROUP,
        members: [
          { id: id(2), rawLength: CHUNK_SIZE },
          { id: id(3), rawLength: 1234 },
        ],
      },
      { length: 300, flags: FLAG_ZSTD, members: [{ id: id(4), rawLength: CHUNK_SIZE }] },
    ];
    const entries = decodePackHeader(encodePackHeader(blobs), 2);
    assert.deepEqual(entries, blobEntries(blobs));
    assert.deepEqual(
      entries.map((e) => [e.id[0], e.offset, e.length, e.rawLength, e.inner, e.group !== null]),
      [
        [1, 0, 65_564, CHUNK_SIZE, 0, false],
        [2, 65_564, 20_000, CHUNK_SIZE, 0, true],
        [3, 65_564, 20_000, 1234, CHUNK_SIZE, true],
        [4, 85_564, 300, CHUNK_SIZE, 0, false],
      ],
    );
    assert.deepEqual(entries[1]!.group, groupDigest(blobs[1]!.members));
  });

  it('format 1 headers (one blob per chunk) still decode', () => {
    const buf = Buffer.alloc(4 + 2 * PACK_ENTRY_LEN_V1);
    buf.writeUInt32LE(2, 0);
    for (let k = 0; k < 2; k++) {
      const p = 4 + k * PACK_ENTRY_LEN_V1;
      id(k + 1).copy(buf, p);
      buf.writeUInt32LE(k * 1000, p + 32);
      buf.writeUInt32LE(1000, p + 36);
      buf.writeUInt32LE(CHUNK_SIZE, p + 40);
      buf[p + 44] = k;
    }
    assert.deepEqual(
      decodePackHeader(buf, 1).map((e) => [
        e.id[0],
        e.offset,
        e.length,
        e.rawLength,
        e.flags,
        e.inner,
        e.group,
      ]),
      [
        [1, 0, 1000, CHUNK_SIZE, 0, 0, null],
        [2, 1000, 1000, CHUNK_SIZE, 1, 0, null],
      ],
    );
  });
});
