import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE, CorruptDataError, type VaultEngine } from '../../src/engine/index.js';
import { type Sandbox, sandbox, writeVolume } from './helpers.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

function flipByte(path: string, at: number): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0x01;
  writeFileSync(path, b);
}

describe('corruption is detected, located and never restored silently', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine()).vault('corrupt');
    await writeVolume(sb.path('v.img'), 40 * CHUNK_SIZE, 'random');
    await vault.backup({ backupId: 'c1', source: sb.path('v.img') });
  });
  after(() => sb.cleanup());

  it('verify passes on intact data', async () => {
    const r = await vault.verify('c1');
    assert.equal(r.ok, true);
    assert.equal(r.checkedChunks, 40);
  });

  it('a flipped byte in a pack: verify reports the chunk offset, restore refuses before writing it', async () => {
    const pack = files(join(sb.storeDir, 'vaults', 'corrupt', 'packs')).find((f) => f.endsWith('.obj'))!;
    // Chunks are stored in volume order, each ~64 KiB + 28: byte 5 * (64 KiB + 28) + 100 is inside chunk 5.
    flipByte(pack, 5 * (CHUNK_SIZE + 28) + 100);
    const r = await vault.verify('c1');
    assert.equal(r.ok, false);
    assert.deepEqual(r.badRegions, [
      { offset: 5 * CHUNK_SIZE, length: CHUNK_SIZE, reason: 'authentication tag mismatch' },
    ]);
    const out = sb.path('c1.out');
    await assert.rejects(vault.restore({ backupId: 'c1', target: out }), (e: unknown) => {
      assert.ok(e instanceof CorruptDataError);
      assert.equal(e.offset, 5 * CHUNK_SIZE);
      assert.match(e.message, new RegExp(`offset ${5 * CHUNK_SIZE}`));
      return true;
    });
    // Whatever was written, the bad chunk's range was not filled with wrong bytes.
    const written = readFileSync(out);
    const orig = readFileSync(sb.path('v.img'));
    const region = written.subarray(5 * CHUNK_SIZE, 6 * CHUNK_SIZE);
    assert.ok(
      region.equals(Buffer.alloc(region.length)) ||
        region.equals(orig.subarray(5 * CHUNK_SIZE, 6 * CHUNK_SIZE)),
    );
    flipByte(pack, 5 * (CHUNK_SIZE + 28) + 100); // repair for the next test
    assert.equal((await vault.verify('c1')).ok, true);
  });

  it('a corrupted segment makes verify report its whole range', async () => {
    const seg = files(join(sb.storeDir, 'vaults', 'corrupt', 'segments'))[0]!;
    flipByte(seg, statSync(seg).size - 3);
    const r = await vault.verify('c1');
    assert.equal(r.ok, false);
    assert.equal(r.badRegions[0]!.offset, 0);
    assert.equal(r.badRegions[0]!.length, 40 * CHUNK_SIZE);
    await assert.rejects(vault.restore({ backupId: 'c1', target: sb.path('c1b.out') }), CorruptDataError);
    flipByte(seg, statSync(seg).size - 3);
  });

  it('a missing pack is reported as missing data by offset', async () => {
    const { renameSync } = await import('node:fs');
    const pack = files(join(sb.storeDir, 'vaults', 'corrupt', 'packs')).find((f) => f.endsWith('.obj'))!;
    renameSync(pack, `${pack}.hidden`);
    const r = await vault.verify('c1');
    assert.equal(r.ok, false);
    assert.equal(
      r.badRegions.reduce((s, b) => s + b.length, 0),
      40 * CHUNK_SIZE,
    );
    await assert.rejects(vault.restore({ backupId: 'c1', target: sb.path('c1c.out') }), {
      name: 'CorruptDataError',
      offset: 0,
    });
    renameSync(`${pack}.hidden`, pack);
  });
});
