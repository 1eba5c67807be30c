import assert from 'node:assert/strict';
import { copyFileSync, truncateSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE, type VaultEngine } from '../../src/engine/index.js';
import { makeVolume, mergeExtents, mutateVolume } from '../../src/engine/testing/volume-generator.js';
import { type Sandbox, sandbox, sha256File } from './helpers.js';

const MIB = 1024 * 1024;
const changedBytes = (ext: Array<[number, number]>) => ext.reduce((s, [, l]) => s + l, 0);

describe('incremental forever', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  const v = (i: number) => sb.path(`v${i}.img`);
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine()).vault('incr');
    await makeVolume(v(1), 32, 1);
  });
  after(() => sb.cleanup());

  it('stores only what changed, with and without change hints', async () => {
    const full = await vault.backup({ backupId: 'b1', source: v(1) });
    assert.equal(full.incremental, false);
    copyFileSync(v(1), v(2));
    const ext = await mutateVolume(v(2), 5, 2);
    const hinted = await vault.backup({
      backupId: 'b2',
      source: v(2),
      parentBackupId: 'b1',
      changedExtents: ext,
    });
    assert.equal(hinted.incremental, true);
    // Only the chunks touching the extents were read.
    const touched = new Set<number>();
    for (const [o, l] of ext)
      for (let c = Math.floor(o / CHUNK_SIZE); c < Math.ceil((o + l) / CHUNK_SIZE); c++) touched.add(c);
    assert.equal(hinted.bytesRead, touched.size * CHUNK_SIZE);
    const changed = changedBytes(ext);
    assert.ok(
      hinted.storedBytes <= 2 * changed + 256 * 1024,
      `hinted increment stored ${hinted.storedBytes} for ${changed} changed`,
    );
    const unhinted = await vault.backup({ backupId: 'b2n', source: v(2), parentBackupId: 'b1' });
    assert.equal(unhinted.bytesRead, 32 * MIB);
    assert.equal(unhinted.newChunks, 0, 'hinted backup already stored every new chunk (vault-wide dedup)');
    for (const id of ['b2', 'b2n']) {
      await vault.restore({ backupId: id, target: sb.path(`${id}.out`) });
      assert.equal(sha256File(sb.path(`${id}.out`)), sha256File(v(2)), id);
    }
  });

  it('each backup restores on its own after its parents are deleted and gc ran', async () => {
    copyFileSync(v(2), v(3));
    await mutateVolume(v(3), 3, 3);
    await vault.backup({ backupId: 'b3', source: v(3), parentBackupId: 'b2' });
    copyFileSync(v(3), v(4));
    const ext4 = await mutateVolume(v(4), 2, 4);
    await vault.backup({ backupId: 'b4', source: v(4), parentBackupId: 'b3', changedExtents: ext4 });
    const before = await vault.usage();
    for (const id of ['b1', 'b2', 'b2n', 'b3']) await vault.deleteBackup(id);
    const gc = await vault.gc();
    assert.ok(gc.deletedObjects > 0, 'gc reclaimed something');
    assert.ok((await vault.usage()).storedBytes < before.storedBytes);
    assert.deepEqual(
      (await vault.listBackups()).map((b) => b.backupId),
      ['b4'],
    );
    await vault.restore({ backupId: 'b4', target: sb.path('b4.out') });
    assert.equal(sha256File(sb.path('b4.out')), sha256File(v(4)));
    assert.equal((await vault.verify('b4')).ok, true);
    // gc again finds nothing more to do
    assert.equal((await vault.gc()).deletedObjects, 0);
  });

  it('an incremental of a resized volume (grown and shrunk) restores exactly', async () => {
    copyFileSync(v(4), v(5));
    truncateSync(v(5), 32 * MIB + 3 * CHUNK_SIZE + 1024); // grown, ending mid-chunk
    const grown = await vault.backup({
      backupId: 'b5',
      source: v(5),
      parentBackupId: 'b4',
      changedExtents: [],
    });
    assert.equal(grown.volumeSize, 32 * MIB + 3 * CHUNK_SIZE + 1024);
    await vault.restore({ backupId: 'b5', target: sb.path('b5.out') });
    assert.equal(sha256File(sb.path('b5.out')), sha256File(v(5)));
    copyFileSync(v(5), v(6));
    truncateSync(v(6), 20 * MIB + 512);
    await vault.backup({ backupId: 'b6', source: v(6), parentBackupId: 'b5', changedExtents: [] });
    await vault.restore({ backupId: 'b6', target: sb.path('b6.out') });
    assert.equal(sha256File(sb.path('b6.out')), sha256File(v(6)));
  });

  it('change hints are trusted: only hinted ranges are read (unhinted changes are not seen)', async () => {
    copyFileSync(v(4), v(7));
    const ext = await mutateVolume(v(7), 1, 9);
    const partial = ext.slice(0, Math.max(1, Math.floor(ext.length / 2)));
    const s = await vault.backup({
      backupId: 'b7',
      source: v(7),
      parentBackupId: 'b4',
      changedExtents: partial,
    });
    assert.ok(s.bytesRead < 4 * MIB);
    await vault.restore({ backupId: 'b7', target: sb.path('b7.out') });
    // The hinted ranges carry the new data; that is what a CBT-driven backup promises.
    const out = sb.path('b7.out');
    const { readFileSync } = await import('node:fs');
    const a = readFileSync(out);
    const b = readFileSync(v(7));
    for (const [o, l] of partial) assert.ok(a.subarray(o, o + l).equals(b.subarray(o, o + l)));
  });

  it('a missing parent falls back to a full read; invalid extents are refused', async () => {
    const s = await vault.backup({
      backupId: 'b8',
      source: v(4),
      parentBackupId: 'no-such-backup',
      changedExtents: [[0, 10]],
    });
    assert.equal(s.incremental, false);
    assert.equal(s.bytesRead, 32 * MIB);
    await assert.rejects(
      vault.backup({ backupId: 'b9', source: v(4), parentBackupId: 'b8', changedExtents: [[-1, 5]] }),
      { code: 'INVALID_REQUEST' },
    );
    assert.deepEqual(
      mergeExtents([
        [10, 5],
        [0, 10],
        [30, 1],
      ]),
      [
        [0, 15],
        [30, 1],
      ],
    );
  });
});
