// A backup job whose process died is settled by what the object store holds: a backup whose manifest was
// committed before the death is `available` with its real size (and restores); one whose manifest was not is
// `error`, saying so, and a gc is queued for the data it had written. A delete job whose process died in
// its gc (the rows already dropped) still gets its gc when it is recovered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { GcJobPayload } from '../../src/services/gc.js';
import { type Harness, type J, MiB, crashQueuedJobs, createVault, startHarness } from '../cbr/helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ startJobs: false });
});
after(async () => {
  await h.close();
});

const backupOf = async (checkpointId: string): Promise<J> =>
  (await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${checkpointId}`)).json.backups[0];

test('a backup committed in the store when its process died is available with its real size', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('rec-vol', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
  assert.equal(cp.status, 200, cp.body);
  const b = await backupOf(cp.json.checkpoint.id);
  assert.equal(b.status, 'protecting');

  // The dying worker got as far as the engine's commit (the manifest), not as far as the catalog update.
  const ve = await h.ctx.engine!.vault(vault.id);
  const stats = await ve.backup({ backupId: b.id, source: vol.path });
  assert.equal(await crashQueuedJobs(h), 1);
  assert.equal(await h.ctx.jobs.recover(true), 1);

  const got = (await h.req('GET', `/v3/${P}/backups/${b.id}`)).json.backup;
  assert.equal(got.status, 'available', got.extend_info?.fail_reason);
  assert.equal(got.extend_info.fail_reason ?? null, null);
  const row = await h.ctx.services.cbrRepositories.backups.getBackup(b.id);
  assert.equal(row?.storedBytes, stats.storedBytes, 'its real stored size');
  assert.equal(row?.volumeBytes, 2 * MiB);
  const ops = await h.req('GET', `/v3/${P}/operation-logs?operation_type=backup`);
  assert.equal(ops.json.operation_logs[0].status, 'success', JSON.stringify(ops.json.operation_logs[0]));

  // It is a real backup: it restores byte-identical.
  const original = fs.readFileSync(vol.path);
  fs.writeFileSync(vol.path, Buffer.alloc(2 * MiB, 7));
  const r = await h.req('POST', `/v3/${P}/backups/${b.id}/restore`, {
    body: { restore: { volume_id: vol.id } },
  });
  assert.equal(r.status, 202, r.body);
  await h.ctx.jobs.start();
  await h.drain();
  await h.ctx.jobs.stop();
  assert.ok(fs.readFileSync(vol.path).equals(original), 'restored byte-identical');
});

test('a backup not committed when its process died is error, saying so, and its leftovers go to gc', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('rec-vol2', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'vault-rec2');
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
  assert.equal(cp.status, 200, cp.body);
  const b = await backupOf(cp.json.checkpoint.id);
  assert.equal(await crashQueuedJobs(h), 1);
  await h.ctx.jobs.recover(true);
  const got = (await h.req('GET', `/v3/${P}/backups/${b.id}`)).json.backup;
  assert.equal(got.status, 'error');
  assert.match(got.extend_info.fail_reason, /interrupted before its data was committed/);
  const gc = (await h.ctx.jobs.list({ status: 'queued', kind: 'gc' })).filter(
    (j) => (j.payload as GcJobPayload).vaultId === vault.id,
  );
  assert.equal(gc.length, 1, 'a gc is queued for what the dead run wrote');
});

test('a delete that died in its gc, after dropping the rows: the recovered job still reclaims the space', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('rec-vol3', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'vault-rec3');
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
  assert.equal(cp.status, 200, cp.body);
  await h.ctx.jobs.start();
  await h.drain();
  await h.ctx.jobs.stop();
  const b = await backupOf(cp.json.checkpoint.id);
  assert.equal(b.status, 'available');
  const packs = path.join(h.dir, 'objects', 'vaults', vault.id, 'packs');
  const packFiles = () =>
    fs.existsSync(packs)
      ? fs.readdirSync(packs, { recursive: true }).filter((f) => String(f).endsWith('.obj'))
      : [];
  assert.ok(packFiles().length > 0);

  const del = await h.req('DELETE', `/v3/${P}/backups/${b.id}`);
  assert.equal(del.status, 204, del.body);
  // The first attempt got as far as the delete job gets before its gc: manifest and rows gone.
  await (await h.ctx.engine!.vault(vault.id)).deleteBackup(b.id);
  await h.ctx.services.cbrRepositories.backups.deleteBackupRows([b.id]);
  assert.equal(await crashQueuedJobs(h), 1);
  await h.ctx.jobs.recover(true);
  await h.ctx.jobs.start();
  await h.drain();
  await h.ctx.jobs.stop();
  assert.deepEqual(packFiles(), [], 'the space came back');
  const ops = await h.req('GET', `/v3/${P}/operation-logs?operation_type=delete`);
  assert.equal(ops.json.operation_logs[0].status, 'success');
});
