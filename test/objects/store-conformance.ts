import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  PermanentStoreError,
} from '../../src/objects/index.js';

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

/**
 * The contract every ObjectStore implementation must pass (src/objects/types.ts). A driver's test file just
 * calls this with a factory returning a fresh, empty store.
 */
export function objectStoreConformance(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    it('put then get returns the same bytes, and put replaces', async () => {
      const s = await makeStore();
      const data = Buffer.from('hello object store');
      await s.put('a/b/c', data);
      assert.deepEqual(await s.get('a/b/c'), data);
      await s.put('a/b/c', Buffer.from('second'));
      assert.equal((await s.get('a/b/c')).toString(), 'second');
    });

    it('stores empty and binary objects', async () => {
      const s = await makeStore();
      await s.put('empty', Buffer.alloc(0));
      assert.equal((await s.get('empty')).length, 0);
      const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await s.put('bin', bin);
      assert.deepEqual(await s.get('bin'), bin);
    });

    it('gets byte ranges, cut short at the end', async () => {
      const s = await makeStore();
      await s.put('r', Buffer.from('0123456789'));
      assert.equal((await s.get('r', { offset: 2, length: 3 })).toString(), '234');
      assert.equal((await s.get('r', { offset: 8, length: 10 })).toString(), '89');
      assert.equal((await s.get('r', { offset: 0, length: 10 })).toString(), '0123456789');
      assert.equal((await s.get('r', { offset: 10, length: 5 })).length, 0);
    });

    it('head reports size and modification time', async () => {
      const s = await makeStore();
      const before = Date.now() - 5000;
      await s.put('h/x', Buffer.alloc(1234, 7));
      const info = await s.head('h/x');
      assert.equal(info.key, 'h/x');
      assert.equal(info.size, 1234);
      assert.ok(info.lastModified.getTime() >= before);
    });

    it('missing objects are ObjectNotFoundError for get, head and ranged get', async () => {
      const s = await makeStore();
      await assert.rejects(s.get('nope'), ObjectNotFoundError);
      await assert.rejects(s.head('nope/deeper'), ObjectNotFoundError);
      await assert.rejects(s.get('nope', { offset: 0, length: 1 }), ObjectNotFoundError);
    });

    it('delete removes, and deleting a missing object succeeds', async () => {
      const s = await makeStore();
      await s.put('d/1', Buffer.from('x'));
      await s.delete('d/1');
      await assert.rejects(s.head('d/1'), ObjectNotFoundError);
      await s.delete('d/1');
      await s.delete('never/was');
    });

    it('lists by prefix, each object once, with sizes; partial segments match', async () => {
      const s = await makeStore();
      for (const k of ['p/aa/1', 'p/aa/2', 'p/ab/1', 'p/b', 'q/1', 'pz']) await s.put(k, Buffer.from(k));
      assert.deepEqual(await keys(s, 'p/'), ['p/aa/1', 'p/aa/2', 'p/ab/1', 'p/b']);
      assert.deepEqual(await keys(s, 'p/a'), ['p/aa/1', 'p/aa/2', 'p/ab/1']);
      assert.deepEqual(await keys(s, 'p/aa/'), ['p/aa/1', 'p/aa/2']);
      assert.deepEqual(await keys(s, 'p'), ['p/aa/1', 'p/aa/2', 'p/ab/1', 'p/b', 'pz']);
      assert.deepEqual(await keys(s, 'none/'), []);
      assert.equal((await keys(s, '')).length, 6);
      for await (const o of s.list('p/b')) assert.equal(o.size, 3);
    });

    it('a key and a key below it can both exist (no POSIX file/dir clash)', async () => {
      const s = await makeStore();
      await s.put('x', Buffer.from('1'));
      await s.put('x/y', Buffer.from('2'));
      await s.put('x.obj/z', Buffer.from('3'));
      assert.equal((await s.get('x')).toString(), '1');
      assert.equal((await s.get('x/y')).toString(), '2');
      assert.deepEqual(await keys(s, 'x'), ['x', 'x.obj/z', 'x/y']);
    });

    it('put with ifAbsent refuses to replace', async () => {
      const s = await makeStore();
      await s.put('once', Buffer.from('first'), { ifAbsent: true });
      await assert.rejects(s.put('once', Buffer.from('second'), { ifAbsent: true }), ObjectExistsError);
      assert.equal((await s.get('once')).toString(), 'first');
      const racers = await Promise.allSettled(
        [1, 2, 3, 4].map((i) => s.put('race', Buffer.from(String(i)), { ifAbsent: true })),
      );
      assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('rejects invalid keys as permanent errors', async () => {
      const s = await makeStore();
      for (const k of ['', '/abs', 'a//b', '../up', 'a/./b', 'sp ace', 'a/']) {
        await assert.rejects(s.put(k, Buffer.from('x')), PermanentStoreError, k);
      }
    });

    it('concurrent puts of different keys all land', async () => {
      const s = await makeStore();
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => s.put(`c/${i % 4}/${i}`, Buffer.alloc(1000, i))),
      );
      assert.equal((await keys(s, 'c/')).length, 40);
      assert.deepEqual(await s.get('c/3/7'), Buffer.alloc(1000, 7));
    });
  });
}
