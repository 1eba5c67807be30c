// FsObjectStore on a full filesystem: a put fails with NoSpaceError ("no space left in the backup store"),
// for a pack-sized object written with O_DIRECT as for a small buffered one, leaves no temp file, and works
// again once space is freed. A failed O_DIRECT write used to fall back to creating the temp file again
// exclusively, which answered EEXIST instead.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { FsObjectStore, NoSpaceError } from '../../src/objects/index.js';
import { fillUp, mountSmallFs } from '../support/small-fs.js';

const small = mountSmallFs('opencbr-nospace-');
after(() => {
  if ('unmount' in small) small.unmount();
});

test('a put into a full store fails with NoSpaceError and leaves no temp file', async (t) => {
  if ('error' in small) {
    t.skip(small.error);
    return;
  }
  const root = path.join(small.dir, 'store');
  const store = new FsObjectStore(root);
  // While there is room: the directories exist, and the O_DIRECT staging buffers are set up (by a pack-sized put).
  await store.put('vaults/v/packs/aa/first', Buffer.alloc(2 * 1024 * 1024, 1));
  const filler = path.join(small.dir, 'filler');
  fillUp(filler);
  for (const [key, size] of [
    ['vaults/v/packs/aa/pack', 4 * 1024 * 1024], // O_DIRECT from the aligned staging buffer where supported
    ['vaults/v/packs/aa/small', 10_000],
  ] as const) {
    await assert.rejects(store.put(key, Buffer.alloc(size, 7)), (e: unknown) => {
      assert.ok(e instanceof NoSpaceError, `${key}: ${(e as Error).name}: ${(e as Error).message}`);
      assert.match((e as Error).message, /no space left in the backup store \(ENOSPC/);
      return true;
    });
  }
  const names = fs.readdirSync(path.join(root, 'vaults', 'v', 'packs', 'aa'));
  assert.deepEqual(names, ['first.obj'], 'no temp file, no partial object');
  fs.rmSync(filler);
  await store.put('vaults/v/packs/aa/pack', Buffer.alloc(4 * 1024 * 1024, 7));
  assert.equal((await store.head('vaults/v/packs/aa/pack')).size, 4 * 1024 * 1024);
});
