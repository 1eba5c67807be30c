// The shared ObjectStore conformance suite on a real S3 server (Ceph RGW via scripts/test-s3.sh), plus what
// only S3 has: paging, batch delete, error classes and a conditional put whose first try landed unseen.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  ObjectExistsError,
  PermanentStoreError,
  RetryingObjectStore,
  S3ObjectStore,
  TransientStoreError,
  makeS3Client,
  probeObjectLock,
} from '../../src/objects/index.js';
import { closeTestS3Clients, s3Skip, testS3Bucket, testS3Store, trackS3Client } from '../support/s3.js';
import { objectStoreConformance } from './store-conformance.js';

after(closeTestS3Clients);

if (!s3Skip.skip) {
  objectStoreConformance('S3ObjectStore (RGW)', async () => testS3Store().store);
  objectStoreConformance(
    'RetryingObjectStore(S3ObjectStore)',
    async () => new RetryingObjectStore(testS3Store().store),
  );
}

describe('S3ObjectStore specifics', s3Skip, () => {
  it('lists past one page (1000 keys) and deletes in batches', async () => {
    const { store, requests } = testS3Store();
    const keys = Array.from({ length: 1205 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k))));
    }
    const seen: string[] = [];
    for await (const o of store.list('many/')) seen.push(o.key);
    assert.deepEqual(seen.sort(), keys);
    assert.equal(requests.get('ListObjectsV2Command'), 2, 'two pages');
    await store.deleteMany([...keys, 'many/never-was']);
    assert.equal(requests.get('DeleteObjectsCommand'), 2, '1000 keys per request');
    const left: string[] = [];
    for await (const o of store.list('many/')) left.push(o.key);
    assert.deepEqual(left, []);
  });

  it('a conditional put whose first try landed but whose answer was lost succeeds on retry', async () => {
    const { store } = testS3Store();
    // The first PutObject reaches the server and lands; its answer is replaced by a network timeout.
    let lost = 0;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'PutObjectCommand' && lost++ === 0) {
          throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
        }
        return out;
      },
      { step: 'deserialize', name: 'loseFirstAnswer' },
    );
    const retrying = new RetryingObjectStore(store, { baseDelayMs: 1 });
    await retrying.put('manifest', Buffer.from('committed'), { ifAbsent: true });
    assert.equal(lost, 2, 'the put was sent twice; the second got 412');
    assert.equal((await store.get('manifest')).toString(), 'committed');
    // Other bytes under the key are somebody else's object: still a conflict.
    lost = 0;
    await assert.rejects(
      retrying.put('manifest', Buffer.from('another'), { ifAbsent: true }),
      ObjectExistsError,
    );
  });

  it('a list page that fails with a 503 is retried', async () => {
    const { store } = testS3Store();
    await store.put('l/1', Buffer.from('1'));
    let failed = 0;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command' && failed++ === 0) {
          throw Object.assign(new Error('Service Unavailable'), {
            name: 'ServiceUnavailable',
            $metadata: { httpStatusCode: 503 },
          });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'failFirstList' },
    );
    const seen: string[] = [];
    for await (const o of store.list('l/')) seen.push(o.key);
    assert.deepEqual(seen, ['l/1']);
    assert.equal(failed, 2, 'the failed page was asked for again');
  });

  it('classifies errors: no such bucket is permanent, an unreachable server transient', async () => {
    const noBucket = new S3ObjectStore({
      bucket: 'opencbr-no-such-bucket',
      client: trackS3Client(makeS3Client({ endpoint: process.env.OPENCBR_S3_ENDPOINT })),
    });
    await assert.rejects(noBucket.put('k', Buffer.from('x')), PermanentStoreError);
    const down = new S3ObjectStore({
      bucket: testS3Bucket!,
      client: trackS3Client(
        makeS3Client({
          endpoint: 'http://127.0.0.1:9',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        }),
      ),
    });
    await assert.rejects(down.get('k'), TransientStoreError);
    const badKey = testS3Store().store;
    await assert.rejects(badKey.deleteMany(['ok', '../bad']), PermanentStoreError);
  });
});

describe('Object Lock probe', s3Skip, () => {
  it('finds the lock enforced on an Object Lock bucket and not on a plain one', async () => {
    const lockBucket = process.env.OPENCBR_TEST_S3_LOCK_BUCKET;
    assert.ok(lockBucket, 'scripts/start-ceph-rgw.sh prints OPENCBR_TEST_S3_LOCK_BUCKET');
    const client = trackS3Client(makeS3Client({ endpoint: process.env.OPENCBR_S3_ENDPOINT }));
    const locked = await probeObjectLock(
      new S3ObjectStore({ bucket: lockBucket, prefix: 'probe', client }),
      1000,
    );
    assert.equal(locked.enforced, true, locked.reason);
    const plain = await probeObjectLock(testS3Store().store, 1000);
    assert.equal(plain.enforced, false);
    assert.match(plain.reason, /COMPLIANCE retention was refused/);
  });
});
