// End to end through HTTP: a server of two volumes backed up, incrementally again, restored byte for byte,
// deleted without harming the other backups; a volume that vanishes fails its backup and nothing else.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function checkpoint(vaultId: string, params: Record<string, unknown> = {}) {
  const r = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vaultId, parameters: params } },
  });
  assert.equal(r.status, 200, r.body);
  return r.json.checkpoint;
}

async function backupsOf(checkpointId: string) {
  const r = await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${checkpointId}`);
  assert.equal(r.status, 200, r.body);
  return r.json.backups as J[];
}

test('server backup, incremental, byte-identical restore, delete without harm', async () => {
  const sys = await h.volume('sys', 3 * MiB);
  const data = await h.volume('data', 2 * MiB);
  const srv = await h.server('web-1', [sys.id, data.id]);
  const vault = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }]);
  assert.equal(vault.resources.length, 1);
  assert.equal(vault.billing.used, 0);

  // Full backup.
  const cp1 = await checkpoint(vault.id, { name: 'first', description: 'full' });
  assert.equal(cp1.status, 'protecting');
  assert.equal(cp1.vault.resources[0].id, srv.id);
  await h.drain();
  const [b1] = await backupsOf(cp1.id);
  assert.equal(b1.status, 'available', JSON.stringify(b1));
  assert.equal(b1.resource_type, 'OS::Nova::Server');
  assert.equal(b1.extend_info.incremental, false);
  const show1 = await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.equal(show1.status, 200);
  const kids = show1.json.backup.children;
  assert.equal(kids.length, 2);
  assert.equal(kids[0].resource_id, sys.id);
  assert.equal(kids[0].extend_info.bootable, true);
  assert.equal(kids[0].extend_info.system_disk, true);
  assert.equal(kids[1].extend_info.bootable, false);
  assert.equal(kids[0].parent_id, b1.id);
  assert.deepEqual(kids[0].children, []);
  assert.equal(show1.json.backup.extend_info.contain_system_disk, true);
  const cpShow = await h.req('GET', `/v3/${h.a.projectId}/checkpoints/${cp1.id}`);
  assert.equal(cpShow.json.checkpoint.status, 'available');
  assert.equal(cpShow.json.checkpoint.vault.resources[0].protect_status, 'available');
  const v1 = await h.req('GET', `/v3/${h.a.projectId}/vaults/${vault.id}`);
  assert.ok(v1.json.vault.billing.used >= 1, 'billing.used reflects stored bytes');

  // Change one block of the data disk, back up incrementally.
  const original = { sys: fs.readFileSync(sys.path), data: fs.readFileSync(data.path) };
  const changed = Buffer.from(original.data);
  randomBytes(64 * 1024).copy(changed, MiB);
  fs.writeFileSync(data.path, changed);
  const cp2 = await checkpoint(vault.id, { incremental: true });
  await h.drain();
  const [b2] = await backupsOf(cp2.id);
  assert.equal(b2.status, 'available');
  assert.equal(b2.extend_info.incremental, true);
  const show2 = await h.req('GET', `/v3/${h.a.projectId}/backups/${b2.id}`);
  for (const c of show2.json.backup.children) assert.equal(c.extend_info.incremental, true);

  // Mappings are checked: a data disk onto the system disk, a foreign backup id, a disk of no such server.
  const restoreUrl = `/v3/${h.a.projectId}/backups/${b1.id}/restore`;
  const map = (backup_id: string, volume_id: string) => ({
    body: { restore: { server_id: srv.id, mappings: [{ backup_id, volume_id }] } },
  });
  const r2013 = await h.req('POST', restoreUrl, map(kids[1].id, sys.id));
  assert.equal(r2013.json.error_code, 'BackupService.2013', r2013.body);
  const rForeign = await h.req('POST', restoreUrl, map(b1.id, sys.id));
  assert.equal(rForeign.status, 400);
  assert.match(rForeign.json.error_msg, /mappings\[0\]\.backup_id/);
  const lone = await h.volume('lone', MiB);
  const r2012 = await h.req('POST', restoreUrl, map(kids[1].id, lone.id));
  assert.equal(r2012.json.error_code, 'BackupService.2012', r2012.body);
  assert.equal((await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`)).json.backup.status, 'available');

  // Wreck both disks, restore the first (full) backup, compare byte for byte.
  fs.writeFileSync(sys.path, Buffer.alloc(original.sys.length, 7));
  fs.writeFileSync(data.path, Buffer.alloc(original.data.length, 9));
  const rr = await h.req('POST', `/v3/${h.a.projectId}/backups/${b1.id}/restore`, {
    body: {
      restore: {
        server_id: srv.id,
        power_on: true,
        mappings: kids.map((k: J) => ({ backup_id: k.id, volume_id: k.resource_id })),
      },
    },
  });
  assert.equal(rr.status, 202, rr.body);
  assert.equal(rr.body, '');
  const during = await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.ok(['restoring', 'available'].includes(during.json.backup.status));
  await h.drain();
  assert.ok(fs.readFileSync(sys.path).equals(original.sys), 'system disk restored byte for byte');
  assert.ok(fs.readFileSync(data.path).equals(original.data), 'data disk restored byte for byte');
  const afterRestore = await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.equal(afterRestore.json.backup.status, 'available');

  // Operation logs: backup, backup, restore — all succeeded.
  const logs = await h.req('GET', `/v3/${h.a.projectId}/operation-logs`);
  assert.equal(logs.status, 200);
  assert.equal(logs.json.count, 3);
  const types = logs.json.operation_logs.map((o: J) => `${o.operation_type}:${o.status}`).sort();
  assert.deepEqual(types, ['backup:success', 'backup:success', 'restore:success']);
  const one = await h.req('GET', `/v3/${h.a.projectId}/operation-logs/${logs.json.operation_logs[0].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.operation_log.extra_info.common.progress, 100);

  // Delete the full backup: the incremental one still restores the changed image exactly.
  const del = await h.req('DELETE', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.equal(del.status, 204);
  await h.drain();
  const gone = await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error_code, 'BackupService.6200');
  fs.writeFileSync(data.path, Buffer.alloc(original.data.length));
  const rr2 = await h.req('POST', `/v3/${h.a.projectId}/backups/${b2.id}/restore`, {
    body: { restore: { server_id: srv.id } },
  });
  assert.equal(rr2.status, 202, rr2.body);
  await h.drain();
  assert.ok(fs.readFileSync(data.path).equals(changed), 'incremental restore after deleting its parent');
  assert.ok(fs.readFileSync(sys.path).equals(original.sys));
});

test('volume backup fails cleanly when the volume shrinks; earlier backups intact', async () => {
  const v = await h.volume('shrinky', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: v.id, type: 'OS::Cinder::Volume' }], 'disk-vault');
  const cp1 = await checkpoint(vault.id);
  await h.drain();
  const [b1] = await backupsOf(cp1.id);
  assert.equal(b1.status, 'available');
  assert.equal(b1.resource_type, 'OS::Cinder::Volume');
  assert.equal(b1.provider_id, 'd1603440-187d-4516-af25-121250c7cc97');
  const content = fs.readFileSync(v.path);

  fs.rmSync(v.path);
  const cp2 = await checkpoint(vault.id);
  await h.drain();
  const [b2] = await backupsOf(cp2.id);
  assert.equal(b2.status, 'error');
  assert.ok(b2.extend_info.fail_reason.length > 0);
  const logs = await h.req('GET', `/v3/${h.a.projectId}/operation-logs?status=failed`);
  assert.equal(logs.json.count, 1);
  assert.ok(logs.json.operation_logs[0].error_info.message.length > 0);

  // The earlier backup restores the original bytes into a fresh file at the same path.
  fs.writeFileSync(v.path, Buffer.alloc(content.length));
  const rr = await h.req('POST', `/v3/${h.a.projectId}/backups/${b1.id}/restore`, {
    body: { restore: { volume_id: v.id } },
  });
  assert.equal(rr.status, 202, rr.body);
  await h.drain();
  assert.ok(fs.readFileSync(v.path).equals(content));

  // An error backup can be deleted.
  const del = await h.req('DELETE', `/v3/${h.a.projectId}/backups/${b2.id}`);
  assert.equal(del.status, 204);
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${h.a.projectId}/backups/${b2.id}`)).status, 404);

  // Deleting the vault deletes its backups (data included) and frees the volume for another vault.
  const cp3 = await checkpoint(vault.id);
  await h.drain();
  const [b3] = await backupsOf(cp3.id);
  assert.equal(b3.status, 'available');
  assert.equal((await h.req('DELETE', `/v3/${h.a.projectId}/vaults/${vault.id}`)).status, 204);
  await h.drain(); // a vault holding backups is deleted by a job
  assert.equal((await h.req('GET', `/v3/${h.a.projectId}/backups/${b1.id}`)).status, 404);
  assert.equal((await h.req('GET', `/v3/${h.a.projectId}/backups/${b3.id}`)).status, 404);
  const again = await createVault(h, 'disk', [{ id: v.id, type: 'OS::Cinder::Volume' }], 'disk-vault-2');
  assert.equal(again.resources[0].id, v.id);
});
