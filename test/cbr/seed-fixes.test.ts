// Seed conformance found by review: children's provider, live checkpoint resource counts, one GB size rule,
// error routing (unknown route, wrong method, repeated query parameter).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

const PROVIDER_SERVER = '0daac4c5-6707-4851-97ba-169e36266b66';
const PROVIDER_DISK = 'd1603440-187d-4516-af25-121250c7cc97';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function checkpoint(vaultId: string) {
  const r = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vaultId, parameters: {} } },
  });
  assert.equal(r.status, 200, r.body);
  return r.json.checkpoint as J;
}

test('server backup: provider of children, one size rule, live checkpoint resource counts', async () => {
  // Two small disks: each is 1 GB (a cloud disk has an integer GB size), so the server is 2 GB.
  const sys = await h.volume('fx-sys', MiB);
  const data = await h.volume('fx-data', MiB);
  const srv = await h.server('fx-1', [sys.id, data.id]);
  const prot = await h.req('GET', `/v3/${h.a.projectId}/protectables/server/instances/${srv.id}`);
  assert.equal(prot.status, 200, prot.body);
  assert.equal(prot.json.instance.size, 2);
  const vault = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }]);
  assert.equal(vault.resources[0].size, 2);
  assert.equal(vault.billing.allocated, 2);

  const cp1 = await checkpoint(vault.id);
  assert.equal(cp1.vault.resources[0].resource_size, '2');
  await h.drain();
  const list = await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${cp1.id}`);
  const [b1] = list.json.backups as J[];
  assert.equal(b1.resource_size, 2);
  assert.equal(b1.provider_id, PROVIDER_SERVER);
  const show = await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.equal(show.status, 200);
  assert.equal(show.json.backup.children.length, 2);
  for (const c of show.json.backup.children) {
    assert.equal(c.provider_id, PROVIDER_SERVER, 'children carry the server provider (seed 000)');
    assert.equal(c.resource_size, 1);
  }

  const cp2 = await checkpoint(vault.id);
  await h.drain();
  // Read time: both backups counted and sized, in the first checkpoint too.
  const v = await h.req('GET', `/v3/${h.a.projectId}/vaults/${vault.id}`);
  const held = v.json.vault.resources[0];
  assert.equal(held.backup_count, 2);
  assert.ok(held.backup_size > 0);
  for (const id of [cp1.id, cp2.id]) {
    const r = await h.req('GET', `/v3/${h.a.projectId}/checkpoints/${id}`);
    assert.equal(r.status, 200);
    const res = r.json.checkpoint.vault.resources[0];
    assert.equal(res.backup_count, '2');
    assert.equal(res.backup_size, String(held.backup_size));
    assert.equal(res.resource_size, '2');
  }

  // After deleting one backup, the counts follow.
  const del = await h.req('DELETE', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.ok(del.status < 300, del.body);
  await h.drain();
  const after1 = await h.req('GET', `/v3/${h.a.projectId}/checkpoints/${cp2.id}`);
  assert.equal(after1.json.checkpoint.vault.resources[0].backup_count, '1');
});

test('a standalone disk backup keeps the disk provider', async () => {
  const vol = await h.volume('fx-vol', MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);
  const cp = await checkpoint(vault.id);
  await h.drain();
  const list = await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${cp.id}`);
  assert.equal(list.json.backups[0].provider_id, PROVIDER_DISK);
});

test('a repeated scalar ListBackups parameter gets its own message', async () => {
  for (const q of ['limit=1&limit=2', 'vault_id=a&vault_id=b', 'sort=name&sort=created_at']) {
    const r = await h.req('GET', `/v3/${h.a.projectId}/backups?${q}`);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.error_code, 'BackupService.9900');
    assert.match(r.json.error_msg, /given at most once/, r.body);
    assert.ok(r.json.error_msg.includes(q.split('=')[0]!), r.body);
  }
  // Repeating status is documented and still works.
  const ok = await h.req('GET', `/v3/${h.a.projectId}/backups?status=available&status=error`);
  assert.equal(ok.status, 200, ok.body);
});
