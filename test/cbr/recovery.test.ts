// A restart in the middle of a job never leaves a backup protecting, restoring or deleting: jobs found
// running with a dead worker are settled by the CBR recover hooks (as the queue does on start).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, crashQueuedJobs, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ startJobs: false });
});
after(async () => {
  await h.close();
});

async function runJobs() {
  await h.ctx.jobs.start();
  await h.drain();
  await h.ctx.jobs.stop();
}

const get = async (id: string): Promise<J> =>
  (await h.req('GET', `/v3/${h.a.projectId}/backups/${id}`)).json.backup;

test('interrupted backup → error with a reason; interrupted restore → available; interrupted delete → retried', async () => {
  const pa = h.a.projectId;
  const sys = await h.volume('r-sys', 1 * MiB);
  const data = await h.volume('r-data', 1 * MiB);
  const srv = await h.server('r-srv', [sys.id, data.id]);
  const vault = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }]);
  const cp = async () =>
    (await h.req('POST', `/v3/${pa}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } })).json
      .checkpoint;
  const top = async (cpId: string) =>
    (await h.req('GET', `/v3/${pa}/backups?checkpoint_id=${cpId}`)).json.backups[0];

  // 1. A backup whose worker died.
  const c1 = await cp();
  const b1 = await top(c1.id);
  assert.equal(b1.status, 'protecting');
  assert.equal(await crashQueuedJobs(h), 1);
  assert.equal(await h.ctx.jobs.recover(true), 1);
  const e1 = await get(b1.id);
  assert.equal(e1.status, 'error');
  assert.match(e1.extend_info.fail_reason, /interrupted/);
  for (const c of e1.children) assert.equal(c.status, 'error');
  assert.equal((await h.req('GET', `/v3/${pa}/checkpoints/${c1.id}`)).json.checkpoint.status, 'error');
  const logs = await h.req('GET', `/v3/${pa}/operation-logs?operation_type=backup`);
  assert.equal(logs.json.operation_logs[0].status, 'failed');

  // 2. A good backup, then a restore whose worker died: the backup is available again, data untouched.
  const c2 = await cp();
  await runJobs();
  const b2 = await top(c2.id);
  assert.equal(b2.status, 'available');
  const r = await h.req('POST', `/v3/${pa}/backups/${b2.id}/restore`, {
    body: { restore: { server_id: srv.id } },
  });
  assert.equal(r.status, 202);
  assert.equal((await get(b2.id)).status, 'restoring');
  assert.equal(await crashQueuedJobs(h), 1);
  await h.ctx.jobs.recover(true);
  assert.equal((await get(b2.id)).status, 'available');
  for (const c of (await get(b2.id)).children) assert.equal(c.status, 'available');
  const rl = await h.req('GET', `/v3/${pa}/operation-logs?operation_type=restore`);
  assert.equal(rl.json.operation_logs[0].status, 'failed');

  // 3. A delete whose worker died is retried and completes; the error backup of step 1 is unaffected.
  const d = await h.req('DELETE', `/v3/${pa}/backups/${b2.id}`);
  assert.equal(d.status, 204);
  assert.equal((await get(b2.id)).status, 'deleting');
  assert.equal(await crashQueuedJobs(h), 1);
  await h.ctx.jobs.recover(true);
  await runJobs();
  assert.equal((await h.req('GET', `/v3/${pa}/backups/${b2.id}`)).status, 404);
  assert.equal((await get(b1.id)).status, 'error');
  const dl = await h.req('GET', `/v3/${pa}/operation-logs?operation_type=delete`);
  assert.equal(dl.json.operation_logs[0].status, 'success');

  // Nothing is left in a transitional state.
  const busy = await h.req('GET', `/v3/${pa}/backups?status=protecting&status=restoring&status=deleting`);
  assert.equal(busy.json.count, 0);
  assert.ok(fs.existsSync(sys.path));
});
