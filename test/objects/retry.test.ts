// RetryingObjectStore on a conditional put whose first try landed although it reported a transient failure
// (on S3: the answer to a PUT lost to a timeout): the retry finds the same bytes and succeeds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  FsObjectStore,
  ObjectExistsError,
  type ObjectStore,
  RetryingObjectStore,
  TransientStoreError,
} from '../../src/objects/index.js';

const root = mkdtempSync(join(tmpdir(), 'opencbr-retry-'));
after(() => rmSync(root, { recursive: true, force: true }));

function landsThenTimesOut(dir: string): ObjectStore & { puts: number } {
  const fsStore = new FsObjectStore(dir);
  const s = {
    puts: 0,
    put: async (k: string, d: Uint8Array, o?: { ifAbsent?: boolean }) => {
      await fsStore.put(k, d, o);
      if (++s.puts === 1) throw new TransientStoreError('timed out');
    },
    get: fsStore.get.bind(fsStore),
    head: fsStore.head.bind(fsStore),
    list: fsStore.list.bind(fsStore),
    delete: fsStore.delete.bind(fsStore),
  };
  return s;
}

test('a retried put-if-absent that had landed succeeds; other bytes there still conflict', async () => {
  const inner = landsThenTimesOut(join(root, 'a'));
  const s = new RetryingObjectStore(inner, { baseDelayMs: 1 });
  await s.put('manifest', Buffer.from('committed'), { ifAbsent: true });
  assert.equal(inner.puts, 1, 'the second try was refused by the store (ObjectExistsError), then matched');
  assert.equal((await s.get('manifest')).toString(), 'committed');
  await assert.rejects(s.put('manifest', Buffer.from('committed'), { ifAbsent: true }), ObjectExistsError);

  const other = landsThenTimesOut(join(root, 'b'));
  await other.put('lock', Buffer.from('theirs')).catch(() => {});
  const s2 = new RetryingObjectStore(other, { baseDelayMs: 1 });
  await assert.rejects(s2.put('lock', Buffer.from('mine'), { ifAbsent: true }), ObjectExistsError);
});

test('deleteMany falls back to single deletes on a store without batches', async () => {
  const s = new RetryingObjectStore(new FsObjectStore(join(root, 'c')));
  for (const k of ['x/1', 'x/2', 'x/3']) await s.put(k, Buffer.from(k));
  await s.deleteMany(['x/1', 'x/3', 'x/none']);
  const left: string[] = [];
  for await (const o of s.list('x/')) left.push(o.key);
  assert.deepEqual(left, ['x/2']);
});
