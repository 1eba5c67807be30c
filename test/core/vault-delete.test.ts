// Deleting a vault is a durable job with an operation log: the vault shows `deleting` meanwhile, its backups
// leave `available` before their data goes, another holder's gc lock means "later" (not a 500 after half the
// work), and the start-up reconciler re-creates jobs for records a crash left without one.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FsObjectStore } from '../../src/objects/fs-store.js';
import { type Harness, type J, MiB, createVault, startHarness } from '../cbr/helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function vaultWithBackups(name: string, n: number): Promise<{ vaultId: string; backups: J[] }> {
  const P = h.a.projectId;
  const vol = await h.volume(name, 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], name);
  for (let i = 0; i < n; i++) {
    const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
  }
  const list = await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`);
  assert.equal(list.json.count, n);
  for (const b of list.json.backups) assert.equal(b.status, 'available');
  return { vaultId: vault.id, backups: list.json.backups };
}

test('vault delete with another holder’s gc lock: 204, `deleting` meanwhile, finished once the lock is free', async () => {
  const P = h.a.projectId;
  const { vaultId, backups } = await vaultWithBackups('locked-vault', 2);
  const engineVault = await h.ctx.engine!.vault(vaultId);
  assert.equal((await engineVault.listBackups()).length, 2);

  // Another node is collecting garbage in this vault: its gc lock is fresh.
  const objects = new FsObjectStore(path.join(h.dir, 'objects'));
  const lockKey = `vaults/${vaultId}/gc/lock`;
  await objects.put(lockKey, Buffer.from(JSON.stringify({ pid: 1, host: 'elsewhere', token: 'x' })));

  const del = await h.req('DELETE', `/v3/${P}/vaults/${vaultId}`);
  assert.equal(del.status, 204, del.body);
  await h.drain();

  const shown = await h.req('GET', `/v3/${P}/vaults/${vaultId}`);
  assert.equal(shown.status, 200, 'the vault is still there while the lock is held');
  assert.equal(shown.json.vault.billing.status, 'deleting');
  const left = await engineVault.listBackups();
  for (const b of backups) {
    const r = await h.req('GET', `/v3/${P}/backups/${b.id}`);
    if (r.status === 404) continue;
    assert.notEqual(r.json.backup.status, 'available', 'a backup shown available must still have its data');
    assert.ok(['deleting', 'error'].includes(r.json.backup.status), r.body);
  }
  assert.ok(left.length <= backups.length);
  const ops = await h.req('GET', `/v3/${P}/operation-logs?operation_type=vault_delete&vault_id=${vaultId}`);
  assert.equal(ops.status, 200, ops.body);
  assert.equal(ops.json.operation_logs.length, 1, ops.body);
  assert.ok(['waiting', 'running'].includes(ops.json.operation_logs[0].status), ops.body);
  const job = (await h.ctx.jobs.list({ kind: 'vault_delete' })).find(
    (j) => (j.payload as { vaultId: string }).vaultId === vaultId,
  )!;
  assert.equal(job.status, 'queued', 'waiting for the lock, not failed');
  assert.match(String(job.error), /another gc is running/);

  // The other node finishes; the retry's time comes.
  await objects.delete(lockKey);
  await h.ctx.db
    .updateTable('jobs')
    .set({ run_after: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', job.id)
    .execute();
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${P}/vaults/${vaultId}`)).status, 404);
  for (const b of backups) assert.equal((await h.req('GET', `/v3/${P}/backups/${b.id}`)).status, 404);
  assert.deepEqual(await engineVault.listBackups(), []);
  const done = await h.req('GET', `/v3/${P}/operation-logs?operation_type=vault_delete&vault_id=${vaultId}`);
  assert.equal(done.json.operation_logs[0].status, 'success', done.body);
});

test('the reconciler at start re-creates the job of a record a crash left transient without one', async () => {
  const P = h.a.projectId;
  const { vaultId, backups } = await vaultWithBackups('stranded-vault', 2);
  const [gone, kept] = backups as [J, J];
  // As an older version could leave them: status written, then the process died before the enqueue.
  const at = new Date().toISOString();
  await h.ctx.services.cbrRepositories.backups.updateBackup(gone.id, { status: 'deleting', updatedAt: at });
  await h.ctx.jobs.stop();
  await h.ctx.jobs.start();
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${P}/backups/${gone.id}`)).status, 404, 'its delete job ran');
  assert.equal((await h.req('GET', `/v3/${P}/backups/${kept.id}`)).json.backup.status, 'available');

  await h.ctx.services.cbrRepositories.vaults.updateVault(vaultId, { status: 'deleting', updatedAt: at });
  await h.ctx.jobs.stop();
  await h.ctx.jobs.start();
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${P}/vaults/${vaultId}`)).status, 404, 'its vault_delete job ran');
  assert.equal((await h.req('GET', `/v3/${P}/backups/${kept.id}`)).status, 404);
});
