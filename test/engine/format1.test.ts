import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHUNK_SIZE, FORMAT_VERSION, type VaultEngine } from '../../src/engine/index.js';
import { type Sandbox, sandbox, sha256File } from './helpers.js';

/** The volume the fixture vault (fixtures/format1, written by the format 1 engine) holds as backup f1. */
function fixtureVolume(): Buffer {
  const words = ['vault', 'backup', 'restore', 'volume', 'policy'];
  const text = (n: number, salt: number) => {
    const parts: string[] = [];
    for (let i = 0, len = 0; len <= n; i++) {
      const w = `${words[(i * 7 + (i >> 3) + salt) % words.length]}${i % 13}`;
      parts.push(w);
      len += w.length + 1;
    }
    return Buffer.from(parts.join(' ').slice(0, n));
  };
  const noise = Buffer.concat(
    Array.from({ length: 157 }, (_, i) => createHash('sha256').update(`noise ${i}`).digest()),
  );
  return Buffer.concat([text(65536, 0), Buffer.alloc(65536), text(65536, 1), noise.subarray(0, 5000)]);
}

describe('a format 1 vault', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  // Binary fixtures are not copied by the build: from dist/test/engine, read them from the source tree.
  const fixture = [
    new URL('./fixtures/format1/', import.meta.url),
    new URL('../../../test/engine/fixtures/format1/', import.meta.url),
  ]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p))!;
  before(async () => {
    sb = sandbox();
    cpSync(`${fixture}store`, sb.storeDir, { recursive: true });
    // A test-only key: the fixture's vault key is sealed with it.
    const key = Buffer.from(readFileSync(`${fixture}master.key`, 'utf8').trim(), 'hex');
    vault = await (await sb.engine({ masterKey: { key } })).vault('old');
    writeFileSync(sb.path('v.img'), fixtureVolume());
  });
  after(() => sb.cleanup());

  it('lists, verifies and restores its backup byte for byte', async () => {
    const [info] = await vault.listBackups();
    assert.equal(info!.formatVersion, 1);
    assert.deepEqual(info!.labels, { made: 'format 1' });
    const r = await vault.verify('f1');
    assert.equal(r.ok, true);
    assert.equal(r.checkedChunks, 3);
    await vault.restore({ backupId: 'f1', target: sb.path('f1.out') });
    assert.equal(sha256File(sb.path('f1.out')), sha256File(sb.path('v.img')));
  });

  it('serves dedup to format 2 backups, and gc moves its live blobs into format 2 packs', async () => {
    const again = await vault.backup({ backupId: 'f2', source: sb.path('v.img') });
    assert.equal(again.formatVersion, FORMAT_VERSION);
    assert.equal(again.newChunks, 0);
    // f3 keeps the first text chunk and adds two new text chunks (one group).
    const vol = fixtureVolume();
    const edit = (c: number, from: string, to: string) =>
      Buffer.from(
        vol.toString('latin1', c * CHUNK_SIZE, (c + 1) * CHUNK_SIZE).replaceAll(from, to),
        'latin1',
      );
    const v3 = Buffer.concat([
      vol.subarray(0, CHUNK_SIZE),
      edit(0, 'vault', 'VAULT'),
      edit(2, 'backup', 'BACKUP'),
    ]);
    writeFileSync(sb.path('v3.img'), v3);
    const f3 = await vault.backup({ backupId: 'f3', source: sb.path('v3.img') });
    assert.equal(f3.newChunks, 2);
    await vault.deleteBackup('f1');
    await vault.deleteBackup('f2');
    const gc = await vault.gc();
    assert.equal(gc.repackedPacks, 1, 'the format 1 pack is mostly dead');
    await vault.restore({ backupId: 'f3', target: sb.path('f3.out') });
    assert.equal(sha256File(sb.path('f3.out')), sha256File(sb.path('v3.img')));
    assert.equal((await vault.verify('f3')).ok, true);
  });
});
