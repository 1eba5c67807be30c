// A restore never truncates its target: one interrupted part-way (here through its AbortSignal, as a kill
// would stop it) leaves the target its full size, with what it had not reached yet untouched, and restoring
// again gives the backup byte for byte, zero runs included, over whatever the target held.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { VaultEngine } from '../../src/engine/index.js';
import { MIB, makeVolume } from '../../src/engine/testing/volume-generator.js';
import { type Sandbox, allocated, sandbox, sha256File } from './helpers.js';

describe('restore target', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  const size = 32 * MIB;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine()).vault('target');
    await makeVolume(sb.path('src.img'), 32, 3);
    await vault.backup({ backupId: 'b', source: sb.path('src.img') });
  });
  after(() => sb.cleanup());

  it('an interrupted restore leaves the target its size and the unreached bytes as they were', async () => {
    const out = sb.path('disk.out');
    writeFileSync(out, Buffer.alloc(size, 0xaa));
    const ctrl = new AbortController();
    await assert.rejects(
      vault.restore({
        backupId: 'b',
        target: out,
        signal: ctrl.signal,
        onProgress: () => ctrl.abort(),
      }),
      { name: 'AbortedError' },
    );
    assert.equal(statSync(out).size, size, 'never truncated');
    const tail = readFileSync(out).subarray(size - MIB);
    assert.ok(tail.equals(Buffer.alloc(MIB, 0xaa)), 'what the restore had not reached is untouched');

    // The retry (what the restore job does again after a crash) restores the backup exactly.
    const r = await vault.restore({ backupId: 'b', target: out });
    assert.ok(r.zeroChunks > 0, 'the image has zero runs, which must overwrite the old bytes');
    assert.equal(sha256File(out), sha256File(sb.path('src.img')));
  });

  it('a retry over the holes of an interrupted restore keeps them holes', async () => {
    const out = sb.path('fresh.out');
    const ctrl = new AbortController();
    let batches = 0;
    await assert.rejects(
      vault.restore({
        backupId: 'b',
        target: out,
        signal: ctrl.signal,
        onProgress: () => {
          if (++batches === 3) ctrl.abort();
        },
      }),
      { name: 'AbortedError' },
    );
    assert.equal(statSync(out).size, size);
    await vault.restore({ backupId: 'b', target: out });
    assert.equal(sha256File(out), sha256File(sb.path('src.img')));
    assert.ok((await allocated(out)) <= (await allocated(sb.path('src.img'))) + 64 * 1024, 'still sparse');
  });
});
