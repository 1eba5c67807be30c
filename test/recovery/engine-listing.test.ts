// One damaged manifest affects that backup only: the vault's listing returns every other backup and names the
// damaged entry with its reason (it used to fail as a whole, which blocked import and catalog rebuild).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE, type VaultEngine } from '../../src/engine/index.js';
import { type Sandbox, sandbox, writeVolume } from '../engine/helpers.js';

describe('a vault listing survives one damaged manifest', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine({ workers: 0 })).vault('listing');
    await writeVolume(sb.path('v.img'), 8 * CHUNK_SIZE, 'mixed');
    for (const id of ['l1', 'l2', 'l3']) await vault.backup({ backupId: id, source: sb.path('v.img') });
  });
  after(() => sb.cleanup());

  it('lists the intact backups and reports the damaged one', async () => {
    const dir = join(sb.storeDir, 'vaults', 'listing', 'backups');
    const names = readdirSync(dir).filter((f) => f.endsWith('.obj'));
    assert.equal(names.length, 3);
    const before = await vault.scanBackups();
    assert.deepEqual(before.damaged, []);
    const victimName = names[1]!;
    const victim = join(dir, victimName);
    const bytes = readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    writeFileSync(victim, bytes);

    const listed = await vault.scanBackups();
    assert.equal(listed.backups.length, 2);
    const ids = listed.backups.map((b) => b.backupId);
    assert.equal(new Set(ids).size, 2);
    for (const id of ids) assert.ok(['l1', 'l2', 'l3'].includes(id));
    assert.equal(listed.damaged.length, 1);
    assert.equal(listed.damaged[0]!.key, `vaults/listing/backups/${victimName.replace(/\.obj$/, '')}`);
    assert.match(listed.damaged[0]!.reason, /authentication/);
    // The intact ones still restore and verify.
    for (const id of ids) assert.equal((await vault.verify(id)).ok, true);
  });
});
