import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FsObjectStore, RetryingObjectStore, TransientStoreError } from '../../src/objects/index.js';
import type { ObjectStore } from '../../src/objects/index.js';
import { objectStoreConformance } from './store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'opencbr-fsstore-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

objectStoreConformance('FsObjectStore', async () => new FsObjectStore(join(root, `s${n++}`)));
objectStoreConformance(
  'RetryingObjectStore(FsObjectStore)',
  async () => new RetryingObjectStore(new FsObjectStore(join(root, `s${n++}`))),
);

describe('FsObjectStore specifics', () => {
  it('leaves no temp files behind and writes objects 0600', async () => {
    const dir = join(root, `s${n++}`);
    const s = new FsObjectStore(dir);
    await s.put('k/v', Buffer.from('x'));
    const files = readdirSync(join(dir, 'k'));
    assert.deepEqual(files, ['v.obj']);
    assert.equal(statSync(join(dir, 'k', 'v.obj')).mode & 0o777, 0o600);
  });

  it('ignores temp files of an interrupted put when listing, and removes them once abandoned', async () => {
    const dir = join(root, `s${n++}`);
    const s = new FsObjectStore(dir);
    await s.put('k/v', Buffer.from('x'));
    writeFileSync(join(dir, 'k', 'w.obj.abc.tmp'), 'partial');
    writeFileSync(join(dir, 'k', 'old.obj.def.tmp'), 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, 'k', 'old.obj.def.tmp'), twoHoursAgo, twoHoursAgo);
    const seen: string[] = [];
    for await (const o of s.list('k/')) seen.push(o.key);
    assert.deepEqual(seen, ['k/v']);
    assert.deepEqual(readdirSync(join(dir, 'k')).sort(), ['v.obj', 'w.obj.abc.tmp']);
  });
});

describe('RetryingObjectStore', () => {
  it('retries transient errors and passes others through', async () => {
    let calls = 0;
    const flaky = new FsObjectStore(join(root, `s${n++}`));
    const inner: ObjectStore = {
      put: async (k, d, o) => {
        if (++calls < 3) throw new TransientStoreError('try again');
        return flaky.put(k, d, o);
      },
      get: (k, r) => flaky.get(k, r),
      head: (k) => flaky.head(k),
      list: (p) => flaky.list(p),
      delete: (k) => flaky.delete(k),
    };
    const s = new RetryingObjectStore(inner, { baseDelayMs: 1 });
    await s.put('a', Buffer.from('ok'));
    assert.equal(calls, 3);
    assert.equal((await s.get('a')).toString(), 'ok');
    calls = -100;
    const never = new RetryingObjectStore(
      { ...inner, put: async () => Promise.reject(new TransientStoreError('down')) },
      { attempts: 2, baseDelayMs: 1 },
    );
    await assert.rejects(never.put('b', Buffer.from('x')), TransientStoreError);
  });
});
