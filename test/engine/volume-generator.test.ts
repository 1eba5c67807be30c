import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeVolume, mutateVolume } from '../../src/engine/testing/volume-generator.js';
import { sha256File } from './helpers.js';

const MIB = 1 << 20;

describe('deterministic volume generator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opencbr-gen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('same seed, same bytes; another seed, other bytes; the recipe mix holds', async () => {
    await makeVolume(join(dir, 'a'), 40, 1);
    await makeVolume(join(dir, 'b'), 40, 1);
    await makeVolume(join(dir, 'c'), 40, 2);
    assert.equal(statSync(join(dir, 'a')).size, 40 * MIB);
    assert.equal(sha256File(join(dir, 'a')), sha256File(join(dir, 'b')));
    assert.notEqual(sha256File(join(dir, 'a')), sha256File(join(dir, 'c')));
    const data = readFileSync(join(dir, 'a'));
    let zero = 0;
    let text = 0;
    for (let i = 0; i < 40; i++) {
      const blk = data.subarray(i * MIB, (i + 1) * MIB);
      if (blk.equals(Buffer.alloc(MIB))) zero++;
      else if (blk.subarray(0, 64).every((c) => c === 0x20 || c === 0x0a || (c >= 0x2d && c < 0x7b))) text++;
    }
    assert.ok(zero >= 3 && zero <= 20, `zero MiBs ${zero}`);
    assert.ok(text >= 6 && text <= 24, `text MiBs ${text}`);
  });

  it('mutation writes 64 KiB at 4 KiB-aligned offsets and reports merged extents covering every change', async () => {
    copyFileSync(join(dir, 'a'), join(dir, 'm'));
    const ext = await mutateVolume(join(dir, 'm'), 5, 2);
    const again = join(dir, 'm2');
    copyFileSync(join(dir, 'a'), again);
    assert.deepEqual(await mutateVolume(again, 5, 2), ext);
    const before = readFileSync(join(dir, 'a'));
    const after = readFileSync(join(dir, 'm'));
    const covered = new Uint8Array(before.length);
    for (const [o, l] of ext) {
      assert.equal(o % 4096, 0);
      covered.fill(1, o, o + l);
    }
    for (let i = 0; i < before.length; i += 512) {
      if (!covered[i])
        assert.ok(
          before.subarray(i, i + 512).equals(after.subarray(i, i + 512)),
          `unreported change at ${i}`,
        );
    }
    for (let k = 1; k < ext.length; k++) assert.ok(ext[k]![0] > ext[k - 1]![0] + ext[k - 1]![1]);
    const n = Math.floor((40 * MIB * 5) / 100 / 65536);
    assert.ok(ext.reduce((s, [, l]) => s + l, 0) <= n * 65536);
  });
});
