export * from './errors.js';
export { FsObjectStore } from './fs-store.js';
export { RetryingObjectStore, type RetryOptions } from './retry.js';
export * from './types.js';
