// Creates a bucket on the store named by OPENCBR_S3_ENDPOINT / OPENCBR_S3_REGION / AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY; with --object-lock, with S3 Object Lock enabled (only possible at creation; it turns
// versioning on). An existing bucket owned by the same user is fine.
// Usage: node scripts/s3-create-bucket.mjs BUCKET [--object-lock]
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.argv[2];
const lock = process.argv.includes('--object-lock');
if (!bucket) {
  console.error('usage: node scripts/s3-create-bucket.mjs BUCKET');
  process.exit(2);
}
const s3 = new S3Client({
  endpoint: process.env.OPENCBR_S3_ENDPOINT,
  region: process.env.OPENCBR_S3_REGION || 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
try {
  await s3.send(
    new CreateBucketCommand({ Bucket: bucket, ...(lock ? { ObjectLockEnabledForBucket: true } : {}) }),
  );
} catch (e) {
  if (e?.name !== 'BucketAlreadyOwnedByYou') throw e;
}
console.error(`bucket ${bucket} ready${lock ? ' (Object Lock enabled)' : ''}`);
