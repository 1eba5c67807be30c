// One transaction per command: when the job enqueue fails after a command's catalog writes (a trigger on the
// job table makes every insert fail, as a crash or full disk there would), nothing the command wrote stays:
// no backup is left `protecting`, `restoring` or `deleting` with no job, no vault `deleting`, no open log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { type Harness, MiB, createVault, startHarness } from '../cbr/helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

// The fault is injected with each catalog's own trigger syntax (test-only SQL).
const onPostgres = () => h.ctx.config.catalogUrl !== null;
const failEnqueues = async () => {
  if (onPostgres()) {
    await sql`CREATE FUNCTION fail_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: the job could not be recorded'; END $$`.execute(
      h.ctx.db,
    );
    await sql`CREATE TRIGGER fail_enqueue BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION fail_enqueue()`.execute(
      h.ctx.db,
    );
    return;
  }
  await sql`CREATE TRIGGER fail_enqueue BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'injected: the job could not be recorded'); END`.execute(
    h.ctx.db,
  );
};
const allowEnqueues = async () => {
  if (onPostgres()) {
    await sql`DROP TRIGGER fail_enqueue ON jobs`.execute(h.ctx.db);
    await sql`DROP FUNCTION fail_enqueue()`.execute(h.ctx.db);
    return;
  }
  await sql`DROP TRIGGER fail_enqueue`.execute(h.ctx.db);
};

async function transientLeft(): Promise<string[]> {
  const backups = await h.ctx.db
    .selectFrom('cbr_backups')
    .select(['id', 'status'])
    .where('status', 'in', ['protecting', 'restoring', 'deleting'])
    .execute();
  const vaults = await h.ctx.db
    .selectFrom('cbr_vaults')
    .select(['id', 'status'])
    .where('status', '=', 'deleting')
    .execute();
  const logs = await h.ctx.db
    .selectFrom('cbr_operation_logs')
    .select(['id', 'status'])
    .where('status', 'in', ['waiting', 'running'])
    .execute();
  return [...backups, ...vaults, ...logs].map((r) => `${r.id}:${r.status}`);
}

test('a failed enqueue undoes the command: checkpoint, restore, backup delete and vault delete', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('uow-vol', 2 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);

  await failEnqueues();
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
  assert.ok(cp.status >= 500, cp.body);
  assert.deepEqual(await transientLeft(), [], 'the checkpoint left nothing behind');
  const none = await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`);
  assert.equal(none.json.count, 0, none.body);
  await allowEnqueues();

  const ok = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
  assert.equal(ok.status, 200, ok.body);
  await h.drain();
  const [backup] = (await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`)).json.backups;
  assert.equal(backup.status, 'available');

  await failEnqueues();
  const restore = await h.req('POST', `/v3/${P}/backups/${backup.id}/restore`, {
    body: { restore: { volume_id: vol.id } },
  });
  assert.ok(restore.status >= 500, restore.body);
  const del = await h.req('DELETE', `/v3/${P}/backups/${backup.id}`);
  assert.ok(del.status >= 500, del.body);
  const vdel = await h.req('DELETE', `/v3/${P}/vaults/${vault.id}`);
  assert.ok(vdel.status >= 500, vdel.body);
  assert.deepEqual(await transientLeft(), []);
  assert.equal((await h.req('GET', `/v3/${P}/backups/${backup.id}`)).json.backup.status, 'available');
  assert.equal((await h.req('GET', `/v3/${P}/vaults/${vault.id}`)).json.vault.billing.status, 'available');
  await allowEnqueues();

  // And the same commands work once jobs can be recorded again.
  assert.equal((await h.req('DELETE', `/v3/${P}/backups/${backup.id}`)).status, 204);
  await h.drain();
  assert.equal((await h.req('GET', `/v3/${P}/backups/${backup.id}`)).status, 404);
  assert.deepEqual(await transientLeft(), []);
});
