/**
 * The one storage interface the engine uses. Keys are `/`-separated relative paths of characters
 * [A-Za-z0-9._-]; no empty segments, no `.` or `..`. Implementations: FsObjectStore, S3ObjectStore.
 * Nothing may rely on more than this contract.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Modification time as the store records it (the server's clock for S3). */
  lastModified: Date;
}

export interface PutOptions {
  /** Fail with ObjectExistsError instead of replacing an existing object (S3: If-None-Match: *). */
  ifAbsent?: boolean;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface ObjectStore {
  /** Stores the whole object atomically; when the promise resolves the object is durable and visible. */
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void>;
  /** The whole object, or `range` of it (a range running past the end is cut short, so it may be empty). */
  get(key: string, range?: ByteRange): Promise<Buffer>;
  /** Size and modification time; ObjectNotFoundError when absent. */
  head(key: string): Promise<ObjectInfo>;
  /** Every object whose key starts with `prefix`, each exactly once, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Removes the object; deleting an absent object succeeds. */
  delete(key: string): Promise<void>;
  /** Optional: removes many objects in few requests (S3 DeleteObjects); same semantics as delete per key. */
  deleteMany?(keys: string[]): Promise<void>;
  /**
   * Optional, for stores whose put leaves something behind when the process dies mid-put (a filesystem's temp
   * files): removes such leftovers under `prefix` older than `olderThanMs`, returns how many. A put still
   * running that long fails rather than completes; nothing committed is touched.
   */
  reclaimInterrupted?(prefix: string, olderThanMs: number): Promise<number>;
}

const KEY_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function isValidKey(key: string): boolean {
  return KEY_RE.test(key) && !key.split('/').some((s) => s === '.' || s === '..');
}
