// Backups made through CBR, seen through Cinder: the owner attribute under both of seed 001's names, and
// `user_id` (3.56+) is the creating user, falling back to the vault's creator for rows recorded without one.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, cbrDiskCheckpoint, declareVolume, startHarness, waitFor } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

function call(method: 'GET' | 'POST', url: string, payload?: unknown, version?: string) {
  const headers: Record<string, string> = { 'x-auth-token': h.adminToken };
  if (version) headers['openstack-api-version'] = `volume ${version}`;
  return h.app.inject({
    method,
    url,
    headers,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

it('a CBR-made backup shows its creator and owner in Cinder', async () => {
  const P = h.adminProjectId;
  const admin = await h.ctx.identity.getUser({ name: 'admin' });
  const vol = await declareVolume(h, 'via-cbr', 1024 * 1024, 7);
  const { vaultId, checkpointId: cpId } = await cbrDiskCheckpoint(h, vol.id, 'cbr-made');
  const list = await call('GET', `/v3/${P}/backups?checkpoint_id=${cpId}`);
  const id = (list.json() as { backups: Array<{ id: string }> }).backups[0]!.id;
  const seen = await waitFor(async () => {
    const r = await call('GET', `/volume/v3/${P}/backups/${id}`, undefined, '3.56');
    const b = (r.json() as { backup: Record<string, unknown> }).backup;
    return b.status === 'available' ? b : null;
  });
  assert.equal(seen.user_id, admin.id);
  assert.equal(seen['os-backup-project-attr:project_id'], P);
  assert.equal(seen['os-backup-project-attr:tenant_id'], P);
  const old = await call('GET', `/volume/v3/${P}/backups/${id}`, undefined, '3.55');
  assert.equal('user_id' in (old.json() as { backup: object }).backup, false);

  // A row recorded before creators were: the vault's creator is shown.
  await h.ctx.db.updateTable('cbr_backups').set({ user_id: null }).where('id', '=', id).execute();
  await h.ctx.db
    .updateTable('cbr_vaults')
    .set({ user_id: 'vault-creator' })
    .where('id', '=', vaultId)
    .execute();
  const r = await call('GET', `/volume/v3/${P}/backups/${id}`, undefined, '3.56');
  assert.equal((r.json() as { backup: { user_id: string } }).backup.user_id, 'vault-creator');
});
