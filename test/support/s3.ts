// The S3 store a test runs against: set by scripts/test-s3.sh (which starts Ceph RGW) through OPENCBR_TEST_S3_*
// plus the usual OPENCBR_S3_ENDPOINT / OPENCBR_S3_REGION / AWS_* variables. Without it the S3 tests are skipped,
// unless OPENCBR_TEST_REQUIRE_S3=1 (CI), where a missing store must fail rather than pass silently.
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore, makeS3Client } from '../../src/objects/index.js';

const bucket = process.env.OPENCBR_TEST_S3_BUCKET || undefined;

if (!bucket && process.env.OPENCBR_TEST_REQUIRE_S3 === '1') {
  throw new Error(
    'OPENCBR_TEST_REQUIRE_S3=1 but OPENCBR_TEST_S3_BUCKET is not set: start scripts/start-ceph-rgw.sh',
  );
}

/** `{ skip }` for node:test: a reason to skip when no S3 store is configured. */
export const s3Skip: { skip: string | false } = {
  skip: bucket ? false : 'no S3 store (OPENCBR_TEST_S3_BUCKET unset; run scripts/test-s3.sh)',
};

const clients: S3Client[] = [];

/** Registers a client for closeTestS3Clients: kept-alive sockets would keep the test process running. */
export function trackS3Client<T extends S3Client>(c: T): T {
  clients.push(c);
  return c;
}

/** Closes every client the tests made (call from `after`). */
export function closeTestS3Clients(): void {
  for (const c of clients.splice(0)) c.destroy();
}

export interface CountedS3Store {
  store: S3ObjectStore;
  /** Requests sent, by command name (PutObjectCommand, GetObjectCommand, ...). */
  requests: Map<string, number>;
  /** The prefix of this store inside the bucket (unique per call). */
  prefix: string;
}

/** A fresh, empty store: a unique prefix in the test bucket, with a request counter on its client. */
export function testS3Store(): CountedS3Store {
  if (!bucket) throw new Error('no S3 store configured');
  const prefix = `t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const client = trackS3Client(
    makeS3Client({
      endpoint: process.env.OPENCBR_S3_ENDPOINT,
      region: process.env.OPENCBR_S3_REGION || 'us-east-1',
    }),
  );
  const requests = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'opencbrTestCounter' },
  );
  return { store: new S3ObjectStore({ bucket, prefix, client }), requests, prefix };
}

export const testS3Bucket = bucket;
