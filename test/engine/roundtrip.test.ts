import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE, type VaultEngine } from '../../src/engine/index.js';
import { makeVolume } from '../../src/engine/testing/volume-generator.js';
import { type Sandbox, allocated, sandbox, sha256File, writeVolume } from './helpers.js';

describe('backup and restore round trips', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine({ workers: 2 })).vault('roundtrip');
  });
  after(() => sb.cleanup());

  const cases: Array<[string, number, 'random' | 'zero' | 'mixed']> = [
    ['empty volume', 0, 'random'],
    ['one sector', 512, 'random'],
    ['size not a multiple of the chunk size', 3 * CHUNK_SIZE + 512 * 7, 'random'],
    ['mixed data, 5 MiB + 1536', 5 * 1024 * 1024 + 1536, 'mixed'],
    ['random, 2 MiB', 2 * 1024 * 1024, 'random'],
  ];
  for (const [name, size, pattern] of cases) {
    it(`${name}: restores byte for byte`, async () => {
      const src = sb.path(`${name.replace(/\W+/g, '_')}.img`);
      await writeVolume(src, size, pattern);
      const id = `rt-${size}-${pattern}`;
      const stats = await vault.backup({ backupId: id, source: src });
      assert.equal(stats.volumeSize, size);
      assert.equal(stats.chunkCount, Math.ceil(size / CHUNK_SIZE));
      assert.equal(stats.incremental, false);
      const out = sb.path(`${id}.out`);
      const r = await vault.restore({ backupId: id, target: out });
      assert.equal(r.volumeSize, size);
      assert.equal(sha256File(out), sha256File(src));
    });
  }

  it('an all-zero volume stores no chunk data and restores as a hole', async () => {
    const src = sb.path('zero.img');
    await writeVolume(src, 32 * 1024 * 1024, 'zero');
    const stats = await vault.backup({ backupId: 'zero', source: src });
    assert.equal(stats.newChunks, 0);
    assert.ok(stats.storedBytes < 4096, `stored ${stats.storedBytes} bytes for zeros`);
    const out = sb.path('zero.out');
    await vault.restore({ backupId: 'zero', target: out });
    assert.equal(sha256File(out), sha256File(src));
    assert.ok((await allocated(out)) < 64 * 1024, 'restored zeros are holes');
  });

  it('a generated image (zero runs, text, random) round-trips, restores sparse, and compresses', async () => {
    const src = sb.path('gen.img');
    await makeVolume(src, 24, 7);
    const stats = await vault.backup({ backupId: 'gen', source: src, labels: { kind: 'generated' } });
    assert.ok(stats.storedBytes < 24 * 1024 * 1024 * 0.75, `stored ${stats.storedBytes}`);
    const out = sb.path('gen.out');
    const r = await vault.restore({ backupId: 'gen', target: out });
    assert.equal(sha256File(out), sha256File(src));
    assert.ok(r.zeroChunks > 0);
    assert.ok((await allocated(out)) <= (await allocated(src)) + 64 * 1024);
    assert.deepEqual((await vault.getBackup('gen')).labels, { kind: 'generated' });
  });

  it('restoring over an existing larger file replaces it exactly', async () => {
    const out = sb.path('over.out');
    writeFileSync(out, Buffer.alloc(9 * 1024 * 1024, 0xab));
    await vault.restore({ backupId: 'gen', target: out });
    assert.equal(sha256File(out), sha256File(sb.path('gen.img')));
  });

  it('preserveLargerTarget keeps a larger file its size: backup bytes first, zeros (holes) after', async () => {
    const out = sb.path('keep-size.out');
    const big = 40 * 1024 * 1024;
    writeFileSync(out, Buffer.alloc(big, 0xab));
    const r = await vault.restore({ backupId: 'gen', target: out, preserveLargerTarget: true });
    const img = readFileSync(sb.path('gen.img'));
    const got = readFileSync(out);
    assert.equal(r.volumeSize, img.length);
    assert.equal(got.length, big);
    assert.ok(got.subarray(0, img.length).equals(img), 'the backup is restored at the start');
    assert.ok(got.subarray(img.length).equals(Buffer.alloc(big - img.length)), 'the old tail reads as zeros');
    // The old bytes under the image's zero runs are overwritten with zeros (allocated); the tail is a hole.
    assert.ok((await allocated(out)) <= img.length + 64 * 1024, 'the tail is a hole');
    // A smaller target still grows to the backup's size; false (the default) shrinks a larger one exactly.
    writeFileSync(out, Buffer.alloc(4096, 0xcd));
    await vault.restore({ backupId: 'gen', target: out, preserveLargerTarget: true });
    assert.equal(sha256File(out), sha256File(sb.path('gen.img')));
    writeFileSync(out, Buffer.alloc(big, 0xab));
    await vault.restore({ backupId: 'gen', target: out, preserveLargerTarget: false });
    assert.equal(sha256File(out), sha256File(sb.path('gen.img')));
  });

  it('deduplicates: the same volume again stores no new chunk, a copy in another name neither', async () => {
    const copy = sb.path('gen-copy.img');
    copyFileSync(sb.path('gen.img'), copy);
    const again = await vault.backup({ backupId: 'gen-again', source: copy });
    assert.equal(again.newChunks, 0);
    assert.ok(again.storedBytes < 64 * 1024, `stored ${again.storedBytes}`);
    const out = sb.path('gen-again.out');
    await vault.restore({ backupId: 'gen-again', target: out });
    assert.equal(sha256File(out), sha256File(copy));
  });

  it('works with inline (0 workers) processing too', async () => {
    const v0 = await (await sb.engine({ workers: 0 })).vault('inline');
    const src = sb.path('inline.img');
    await writeVolume(src, 1024 * 1024 + 4096, 'mixed');
    await v0.backup({ backupId: 'i1', source: src });
    const out = sb.path('inline.out');
    await v0.restore({ backupId: 'i1', target: out });
    assert.equal(sha256File(out), sha256File(src));
    assert.equal((await v0.verify('i1')).ok, true);
  });

  it('without O_DIRECT (filesystems that refuse it) the buffered paths give the same bytes', async () => {
    process.env.OPENCBR_NO_DIRECT_IO = '1';
    try {
      const vb = await (await sb.engine({ stateDir: sb.path('state-buffered') })).vault('buffered');
      const src = sb.path('buffered.img');
      await writeVolume(src, 3 * 1024 * 1024 + 3584, 'mixed');
      await vb.backup({ backupId: 'bf', source: src });
      const out = sb.path('bf.out');
      await vb.restore({ backupId: 'bf', target: out });
      assert.equal(sha256File(out), sha256File(src));
    } finally {
      delete process.env.OPENCBR_NO_DIRECT_IO;
    }
  });
});
