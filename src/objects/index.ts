export * from './errors.js';
export { FsObjectStore } from './fs-store.js';
export { RetryingObjectStore, type RetryOptions, retryTransient } from './retry.js';
export * from './types.js';
export {
  S3ObjectStore,
  type S3StoreOptions,
  makeS3Client,
  type ObjectLockProbe,
  probeObjectLock,
} from './s3-store.js';
