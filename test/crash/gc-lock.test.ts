// A process killed while it held a vault's gc lock (kill -9 just after a delete) leaves the lock behind,
// naming the dead process. Deletes must still succeed, and the space must come back by itself: the gc waits
// for the lock to be a lease TTL old, takes it over and reclaims everything.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FsObjectStore } from '../../src/objects/index.js';
import type { GcJobPayload } from '../../src/services/gc.js';
import { type Harness, MiB, createVault, startHarness } from '../cbr/helpers.js';

const TTL = 1500;
let h: Harness;
before(async () => {
  h = await startHarness({ engineLeaseTtlMs: TTL });
});
after(async () => {
  await h.close();
});

/** Files under `dir` whose name ends with `suffix`. */
function filesEndingWith(dir: string, suffix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath, e.name));
}

test('a gc lock left by a dead process: the delete succeeds, gc takes the lock over after a TTL', async () => {
  const P = h.a.projectId;
  const vol = await h.volume('lock-vol', 3 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);
  const backups: string[] = [];
  for (let i = 0; i < 2; i++) {
    fs.writeFileSync(vol.path, fs.readFileSync(vol.path).fill(i + 1, 0, MiB)); // a new first MiB each time
    const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vault.id } } });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
    const b = (await h.req('GET', `/v3/${P}/backups?checkpoint_id=${cp.json.checkpoint.id}`)).json.backups[0];
    assert.equal(b.status, 'available', b.extend_info?.fail_reason);
    backups.push(b.id);
  }
  const objectsDir = path.join(h.dir, 'objects', 'vaults', vault.id);
  assert.ok(filesEndingWith(path.join(objectsDir, 'packs'), '.obj').length > 0);

  // What a gc killed mid-run leaves: its lock, renewed a moment ago by a process that no longer exists.
  const store = new FsObjectStore(path.join(h.dir, 'objects'));
  const lockKey = `vaults/${vault.id}/gc/lock`;
  await store.put(lockKey, Buffer.from(JSON.stringify({ pid: 999_999, token: 'dead' })));

  for (const id of backups) {
    const del = await h.req('DELETE', `/v3/${P}/backups/${id}`);
    assert.equal(del.status, 204, del.body);
  }
  await h.drain();
  for (const id of backups) {
    const got = await h.req('GET', `/v3/${P}/backups/${id}`);
    assert.equal(got.status, 404, `the delete of ${id} completed: ${got.body}`);
  }
  const queued = (await h.ctx.jobs.list({ status: 'queued', kind: 'gc' })).filter(
    (j) => (j.payload as GcJobPayload).vaultId === vault.id,
  );
  assert.equal(queued.length, 1, 'the gc the lock prevented is queued for later');

  // Nobody renews the lock: once it is a TTL old, the queued gc takes it over and reclaims the space.
  const end = Date.now() + 30_000;
  while (filesEndingWith(path.join(objectsDir, 'packs'), '.obj').length > 0) {
    if (Date.now() > end) throw new Error('the space never came back');
    await new Promise((r) => setTimeout(r, 100));
  }
  await h.drain();
  assert.deepEqual(filesEndingWith(path.join(objectsDir, 'segments'), '.obj'), []);
  assert.deepEqual(filesEndingWith(path.join(objectsDir, 'backups'), '.obj'), []);
  assert.deepEqual(filesEndingWith(path.join(objectsDir, 'gc'), '.obj'), [], 'no lock, no condemned list');
  assert.equal((await h.ctx.jobs.get(queued[0]!.id))?.status, 'succeeded');
});
