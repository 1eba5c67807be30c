// The disk holding the catalog and the object store fills up (a real 64 MiB filesystem): a backup that runs
// out of space fails saying so and leaves no temp file, a create at 100 % full answers a clear 507 in the CBR
// and Cinder bodies (not 500 "Unknown error"), and deleting backups gives the space back at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from '../cbr/helpers.js';
import { fillUp, mountSmallFs } from '../support/small-fs.js';

const small = mountSmallFs('opencbr-full-');
const mountError = 'error' in small ? small.error : null;
const mountPoint = 'dir' in small ? small.dir : '';

let h: Harness;
before(async () => {
  if (!mountError) h = await startHarness({ baseDir: mountPoint });
});
after(async () => {
  await h?.close();
  if ('unmount' in small) small.unmount();
});

const freeBytes = () => {
  const s = fs.statfsSync(mountPoint);
  return s.bavail * s.bsize;
};

function files(dir: string, suffix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.join(e.parentPath, e.name));
}

test('disk full: "no space" errors, 507 at 100 %, no temp files, freed space usable at once', async (t) => {
  if (mountError) {
    t.skip(mountError);
    return;
  }
  const P = h.a.projectId;
  const backUp = async (vaultId: string): Promise<J> => {
    const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vaultId } } });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
    return (await h.req('GET', `/v3/${P}/backups?checkpoint_id=${cp.json.checkpoint.id}`)).json.backups[0];
  };
  // Sizes such that the big backup does not fit beside the small one's, and fits once it is deleted.
  const room = freeBytes() / MiB;
  const smallMiB = 10;
  const bigMiB = Math.floor((2 * room - 3 * smallMiB) / 4);
  console.log(
    `disk-full: ${'kind' in small ? small.kind : ''}, ${room.toFixed(1)} MiB free, volumes ${smallMiB} and ${bigMiB} MiB`,
  );
  const smallVol = await h.volume('small', smallMiB * MiB);
  const big = await h.volume('big', bigMiB * MiB);
  const vSmall = await createVault(h, 'disk', [{ id: smallVol.id, type: 'OS::Cinder::Volume' }], 'v-small');
  const vBig = await createVault(h, 'disk', [{ id: big.id, type: 'OS::Cinder::Volume' }], 'v-big');
  const first = await backUp(vSmall.id);
  assert.equal(first.status, 'available', first.extend_info?.fail_reason);

  // The big volume's random data do not fit in what is left.
  const failed = await backUp(vBig.id);
  assert.equal(failed.status, 'error');
  assert.match(failed.extend_info.fail_reason, /no space left in the backup store/);
  assert.doesNotMatch(failed.extend_info.fail_reason, /EEXIST/);
  const objects = path.join(h.dir, 'objects');
  assert.deepEqual(files(objects, '.tmp'), [], 'no partial temp file is left');

  // 100 % full: a create answers a clear error in the CBR body, and nothing stored is harmed.
  const filler = path.join(mountPoint, 'filler');
  fillUp(filler);
  const cp = await h.req('POST', `/v3/${P}/checkpoints`, { body: { checkpoint: { vault_id: vSmall.id } } });
  assert.equal(cp.status, 507, cp.body);
  assert.match(cp.json.error_msg, /no space left in the backup store/i);
  // Cinder's own fault body, same status.
  const cinder = await h.req('POST', `/volume/v3/${P}/backups`, {
    body: { backup: { volume_id: smallVol.id } },
  });
  assert.equal(cinder.status, 507, cinder.body);
  assert.match(JSON.stringify(cinder.json), /"code":507,"message":"No space left in the backup store/);
  fs.rmSync(filler);
  await h.drain();
  const still = (await h.req('GET', `/v3/${P}/backups/${first.id}`)).json.backup;
  assert.equal(still.status, 'available');

  // Deleting gives the space back right away (gc runs with the delete), and the big backup now fits.
  const before = freeBytes();
  const del = await h.req('DELETE', `/v3/${P}/backups/${first.id}`);
  assert.equal(del.status, 204, del.body);
  await h.drain();
  const freed = freeBytes() - before;
  assert.ok(freed >= 9 * MiB, `the deleted backup's space came back (${freed} bytes)`);
  assert.deepEqual(
    files(path.join(objects, 'vaults', vBig.id, 'packs'), '.obj'),
    [],
    'the failed run is reclaimed',
  );
  const retry = await backUp(vBig.id);
  assert.equal(retry.status, 'available', retry.extend_info?.fail_reason);
});
