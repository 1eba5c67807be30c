// Backup sharing between projects: the owner adds a member project, the member sees the backup as shared,
// accepts it into one of its vaults and restores it onto its own volume byte for byte; it can neither change nor
// delete it; the owner cannot delete it while the share is accepted; any other project sees nothing of it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('share a disk backup: visibility, accept, restore by the member, refusals', async () => {
  const A = h.a.projectId;
  const B = h.b.projectId;
  const asB = { token: h.b.token };
  const disk = await h.volume('share-src', MiB);
  const original = fs.readFileSync(disk.path);
  const vault = await createVault(h, 'disk', [{ id: disk.id, type: 'OS::Cinder::Volume' }], 'share-vault');
  const cp = await h.req('POST', `/v3/${A}/checkpoints`, {
    body: { checkpoint: { vault_id: vault.id, parameters: { name: 'to-share' } } },
  });
  assert.equal(cp.status, 200, cp.body);
  await h.drain();
  const [backup] = (await h.req('GET', `/v3/${A}/backups?vault_id=${vault.id}`)).json.backups as J[];
  assert.equal(backup.status, 'available');

  // Before sharing, B sees nothing of it.
  assert.equal((await h.req('GET', `/v3/${B}/backups/${backup.id}`, asB)).status, 404);
  const sharedBefore = await h.req('GET', `/v3/${B}/backups?own_type=shared`, asB);
  assert.equal(sharedBefore.status, 200, sharedBefore.body);
  assert.deepEqual(sharedBefore.json.backups, []);

  const added = await h.req('POST', `/v3/${A}/backups/${backup.id}/members`, { body: { members: [B] } });
  assert.equal(added.status, 200, added.body);
  assert.equal(added.json.count, 1);
  assert.equal(added.json.members[0].dest_project_id, B);
  assert.equal(added.json.members[0].status, 'pending');
  const again = await h.req('POST', `/v3/${A}/backups/${backup.id}/members`, { body: { members: [B] } });
  assert.equal(again.status, 400, 'a project is a member once');
  const self = await h.req('POST', `/v3/${A}/backups/${backup.id}/members`, { body: { members: [A] } });
  assert.equal(self.status, 400, 'the owner is no member');
  const foreign = await h.req('POST', `/v3/${B}/backups/${backup.id}/members`, {
    ...asB,
    body: { members: [A] },
  });
  assert.equal(foreign.status, 400, 'only the owner shares');
  assert.equal(foreign.json.error_code, 'BackupService.6707', 'a member cannot share the owner’s backup');

  const list = await h.req('GET', `/v3/${A}/backups/${backup.id}/members`);
  assert.equal(list.status, 200, list.body);
  assert.equal(list.json.count, 1);
  const shown = await h.req('GET', `/v3/${B}/backups/${backup.id}/members/${B}`, asB);
  assert.equal(shown.status, 200, shown.body);

  // B sees it as shared (pending), and ShowBackup works for B.
  const pending = await h.req('GET', `/v3/${B}/backups?own_type=shared`, asB);
  assert.deepEqual(
    (pending.json.backups as J[]).map((b) => b.id),
    [backup.id],
  );
  assert.deepEqual(
    (await h.req('GET', `/v3/${B}/backups`, asB)).json.backups,
    [],
    'private listing stays B’s own',
  );
  assert.equal((await h.req('GET', `/v3/${B}/backups/${backup.id}`, asB)).status, 200);

  // B's own volume and vault; restoring while pending is refused.
  const bFile = path.join(h.volumeRoot, 'share-dst.img');
  fs.writeFileSync(bFile, Buffer.alloc(MiB, 3));
  const bVol = await h.req('POST', `/opencbr/v1/${B}/volumes`, {
    ...asB,
    body: { volume: { name: 'share-dst', path: bFile } },
  });
  assert.equal(bVol.status < 300, true, bVol.body);
  const bVolumeId = bVol.json.volume.id as string;
  const early = await h.req('POST', `/v3/${B}/backups/${backup.id}/restore`, {
    ...asB,
    body: { restore: { volume_id: bVolumeId } },
  });
  assert.equal(early.status, 400, early.body);

  const bVault = await h.req('POST', `/v3/${B}/vaults`, {
    ...asB,
    body: {
      vault: {
        name: 'b-vault',
        billing: {
          consistent_level: 'crash_consistent',
          object_type: 'disk',
          protect_type: 'backup',
          size: 100,
        },
        resources: [],
      },
    },
  });
  assert.equal(bVault.status, 200, bVault.body);
  const byOwner = await h.req('PUT', `/v3/${A}/backups/${backup.id}/members/${B}`, {
    body: { status: 'accepted', vault_id: bVault.json.vault.id },
  });
  assert.equal(byOwner.status, 400, 'only the member accepts');
  const accepted = await h.req('PUT', `/v3/${B}/backups/${backup.id}/members/${B}`, {
    ...asB,
    body: { status: 'accepted', vault_id: bVault.json.vault.id },
  });
  assert.equal(accepted.status, 200, accepted.body);
  assert.equal(accepted.json.member.status, 'accepted');

  // The member restores onto its own volume, byte for byte.
  const restore = await h.req('POST', `/v3/${B}/backups/${backup.id}/restore`, {
    ...asB,
    body: { restore: { volume_id: bVolumeId } },
  });
  assert.equal(restore.status, 202, restore.body);
  await h.drain();
  assert.ok(fs.readFileSync(bFile).equals(original), 'the member’s volume holds the shared backup’s bytes');

  // The member can neither change nor delete it; the owner cannot delete it while accepted.
  const rename = await h.req('PUT', `/v3/${B}/backups/${backup.id}`, {
    ...asB,
    body: { backup: { name: 'x' } },
  });
  assert.equal(rename.status, 400, rename.body);
  assert.equal((await h.req('DELETE', `/v3/${B}/backups/${backup.id}`, asB)).status, 400);
  const ownerDelete = await h.req('DELETE', `/v3/${A}/backups/${backup.id}`);
  assert.equal(ownerDelete.status, 400, ownerDelete.body);

  // After the owner removes the member, B sees nothing again and the owner can delete the backup.
  assert.equal((await h.req('DELETE', `/v3/${A}/backups/${backup.id}/members/${B}`)).status, 204);
  assert.equal((await h.req('GET', `/v3/${B}/backups/${backup.id}`, asB)).status, 404);
  assert.deepEqual((await h.req('GET', `/v3/${B}/backups?own_type=shared`, asB)).json.backups, []);
  assert.equal((await h.req('DELETE', `/v3/${A}/backups/${backup.id}`)).status, 204);
  await h.drain();
});
