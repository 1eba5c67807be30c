// Vault lock: in a locked vault no backup is deleted before its expiry, through any protocol or the vault's own
// delete, and the lock cannot be removed; past its expiry a backup goes as usual.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, type J, MiB, startHarness } from './helpers.js';

let h: Harness;
let P: string;

describe('vault lock', () => {
  let vaultId: string;
  let backupId: string;
  before(async () => {
    h = await startHarness();
    P = h.a.projectId;
    const vol = await h.volume('locked-disk', MiB);
    const r = await h.req('POST', `/v3/${P}/vaults`, {
      body: {
        vault: {
          name: 'locked',
          locked: true,
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'disk',
            protect_type: 'backup',
            size: 10,
          },
          resources: [{ id: vol.id, type: 'OS::Cinder::Volume' }],
        },
      },
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.vault.locked, true);
    vaultId = r.json.vault.id;
    const cp = await h.req('POST', `/v3/${P}/checkpoints`, {
      body: { checkpoint: { vault_id: vaultId, parameters: { name: 'kept' } } },
    });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
    backupId = (await h.req('GET', `/v3/${P}/backups?vault_id=${vaultId}`)).json.backups[0].id;
  });
  after(() => h.close());

  const status = async () => (await h.req('GET', `/v3/${P}/backups/${backupId}`)).json.backup.status;

  it('a backup with no expiry is refused on every delete path, and stays available', async () => {
    const cbr = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(cbr.status, 400, cbr.body);
    assert.equal(cbr.json.error_code, 'BackupService.6220');
    const cinder = await h.req('DELETE', `/volume/v3/${P}/backups/${backupId}`);
    assert.equal(cinder.status, 400, cinder.body);
    assert.ok(cinder.json.badRequest, cinder.body);
    assert.match(cinder.body, /locked/);
    const force = await h.req('POST', `/volume/v3/${P}/backups/${backupId}/action`, {
      body: { 'os-force_delete': {} },
    });
    assert.equal(force.status, 400, force.body);
    assert.match(force.body, /locked/);
    const vault = await h.req('DELETE', `/v3/${P}/vaults/${vaultId}`);
    assert.equal(vault.status, 400, vault.body);
    assert.equal(vault.json.error_code, 'BackupService.6220');
    const unlock = await h.req('PUT', `/v3/${P}/vaults/${vaultId}`, { body: { vault: { locked: false } } });
    assert.equal(unlock.status, 400, unlock.body);
    await h.drain();
    assert.equal(await status(), 'available');
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vaultId}`)).json.vault.locked, true);
  });

  it('before its expiry still refused; past it, deleted as usual', async () => {
    const set = (at: string) =>
      h.ctx.db.updateTable('cbr_backups').set({ expired_at: at }).where('id', '=', backupId).execute();
    await set('2999-01-01T00:00:00.000000Z');
    const early = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(early.status, 400, early.body);
    assert.match(early.json.error_msg as string, /kept until 2999/);
    await set('2000-01-01T00:00:00.000000Z');
    const late = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(late.status, 204, late.body);
    await h.drain();
    const gone = (await h.req('GET', `/v3/${P}/backups?vault_id=${vaultId}`)).json.backups as J[];
    assert.equal(gone.length, 0);
  });
});
