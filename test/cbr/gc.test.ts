// Space held by a deleted backup comes back even when a backup/restore of the vault was running at the
// delete (its lease lets gc only condemn): a durable `gc` job is queued for the vault and reclaims it later.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FsObjectStore } from '../../src/objects/fs-store.js';
import type { GcJobPayload } from '../../src/services/gc.js';
import { type Harness, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('gc condemned under a live lease is finished by a queued gc job', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('gc-vol', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, {
    body: { checkpoint: { vault_id: vault.id, parameters: {} } },
  });
  assert.equal(cp.status, 200, cp.body);
  await h.drain();
  const list = await h.req('GET', `/v3/${P}/backups?checkpoint_id=${cp.json.checkpoint.id}`);
  const backup = list.json.backups[0];
  assert.equal(backup.status, 'available');
  const engineVault = await h.ctx.engine!.vault(vault.id);
  const stored = (await engineVault.usage()).storedBytes;
  assert.ok(stored > 0);

  // Another operation of the vault is running (it holds a lease) while the backup is deleted.
  const objects = new FsObjectStore(path.join(h.dir, 'objects'));
  const leaseKey = `vaults/${vault.id}/leases/${'ab'.repeat(16)}`;
  await objects.put(
    leaseKey,
    Buffer.from(
      JSON.stringify({ kind: 'backup', pid: 1, host: 'elsewhere', startedAt: new Date().toISOString() }),
    ),
  );
  const del = await h.req('DELETE', `/v3/${P}/backups/${backup.id}`);
  assert.ok(del.status < 300, del.body);
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${P}/backups/${backup.id}`)).status, 404);
  assert.ok((await engineVault.usage()).storedBytes > stored / 2, 'only condemned while the lease lives');
  const queued = (await h.ctx.jobs.list({ status: 'queued', kind: 'gc' })).filter(
    (j) => (j.payload as GcJobPayload).vaultId === vault.id,
  );
  assert.equal(queued.length, 1, 'a follow-up gc is queued for the vault');

  // The operation ends; the follow-up's time comes.
  await objects.delete(leaseKey);
  await h.ctx.db
    .updateTable('jobs')
    .set({ run_after: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', queued[0]!.id)
    .execute();
  await h.drain();
  // What stays is the vault's own small metadata (its key), not backup data.
  const left = (await engineVault.usage()).storedBytes;
  assert.ok(left < 4096 && left < stored / 100, `the space came back (${left} of ${stored} bytes left)`);
  const v = await h.req('GET', `/v3/${P}/vaults/${vault.id}`);
  assert.ok(v.json.vault.billing.used <= 1, 'billing.used follows');
  assert.equal((await h.ctx.jobs.get(queued[0]!.id))?.status, 'succeeded');
  assert.equal(
    (await h.ctx.jobs.list({ status: 'queued', kind: 'gc' })).length,
    0,
    'nothing pending: no new job',
  );
});
