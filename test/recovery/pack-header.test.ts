// A flipped byte in a pack header: the running engine's index cache hides it, and a fresh index (what a
// recovery builds) used to lose the whole pack. Verify now reports the damaged header, and a fresh index
// loses only chunks that are really unreadable (here none: the header's copy, or the salvaged entries whose
// blobs pass their AEAD check, give every chunk back).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE, type VaultEngine } from '../../src/engine/index.js';
import { type Sandbox, sandbox, sha256File, writeVolume } from '../engine/helpers.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

/** Flips one byte of the pack's last header envelope, `at` bytes into it (trailer: u32 length + 8-byte magic). */
function flipInHeader(pack: string, at: number, copy = false): void {
  const b = readFileSync(pack);
  const hlen = b.readUInt32LE(b.length - 12);
  const start = b.length - 12 - hlen * (copy ? 2 : 1);
  b[start + at]! ^= 0x04;
  writeFileSync(pack, b);
}

describe('a damaged pack header', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  let pack: string;
  const CHUNKS = 24;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine({ workers: 0 })).vault('hdr');
    await writeVolume(sb.path('v.img'), CHUNKS * CHUNK_SIZE, 'random');
    await vault.backup({ backupId: 'h1', source: sb.path('v.img') });
    const packs = files(join(sb.storeDir, 'vaults', 'hdr', 'packs'));
    assert.equal(packs.length, 1);
    pack = packs[0]!;
  });
  after(() => sb.cleanup());

  it('is reported by verify even while the running engine has the pack cached', async () => {
    const clean = await vault.verify('h1');
    flipInHeader(pack, 60);
    assert.deepEqual(clean.damagedObjects, []);
    const r = await vault.verify('h1');
    assert.equal(r.checkedChunks, CHUNKS);
    assert.deepEqual(r.badRegions, []);
    assert.equal(r.damagedObjects.length, 1);
    assert.match(r.damagedObjects[0]!.key, /\/packs\//);
    assert.match(r.damagedObjects[0]!.reason, /header/);
    assert.equal(r.ok, false);
  });

  it('costs a fresh index nothing: every chunk verifies and restores byte-identical', async () => {
    const fresh = await (await sb.engine({ workers: 0, stateDir: sb.path('state-2') })).vault('hdr');
    const r = await fresh.verify('h1');
    assert.deepEqual(r.badRegions, []);
    assert.equal(r.checkedChunks, CHUNKS);
    await fresh.restore({ backupId: 'h1', target: sb.path('out-2.img') });
    assert.equal(sha256File(sb.path('out-2.img')), sha256File(sb.path('v.img')));
  });

  it('with both copies damaged, loses only what no copy describes', async () => {
    flipInHeader(pack, 200, true);
    const fresh = await (await sb.engine({ workers: 0, stateDir: sb.path('state-3') })).vault('hdr');
    const r = await fresh.verify('h1');
    const lost = r.badRegions.reduce((a, x) => a + x.length, 0);
    assert.ok(lost <= CHUNK_SIZE, `lost ${lost} bytes: ${JSON.stringify(r.badRegions)}`);
    assert.ok(r.checkedChunks >= CHUNKS - 1);
    assert.equal(r.damagedObjects.length, 1);
    assert.match(r.damagedObjects[0]!.reason, /in every copy; \d+ chunks recovered by their own AEAD check/);
  });
});

describe('a damaged copy of a pack header', () => {
  let sb: Sandbox;
  after(() => sb.cleanup());

  it('is reported by verify, though every chunk still reads', async () => {
    sb = sandbox();
    const vault = await (await sb.engine({ workers: 0 })).vault('hdr-copy');
    await writeVolume(sb.path('v.img'), 8 * CHUNK_SIZE, 'random');
    await vault.backup({ backupId: 'c1', source: sb.path('v.img') });
    assert.deepEqual((await vault.verify('c1')).damagedObjects, []);
    const [pack] = files(join(sb.storeDir, 'vaults', 'hdr-copy', 'packs'));
    flipInHeader(pack!, 40, true);
    const r = await vault.verify('c1');
    assert.deepEqual(r.badRegions, []);
    assert.equal(r.checkedChunks, 8);
    assert.equal(r.damagedObjects.length, 1);
    assert.match(r.damagedObjects[0]!.reason, /the copy of its header is damaged/);
  });
});
