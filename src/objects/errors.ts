/** Errors of an object store, classified once so callers (and the retry wrapper) can act on the class. */
export class ObjectStoreError extends Error {
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object does not exist (or the byte range starts past its end). Never retried. */
export class ObjectNotFoundError extends ObjectStoreError {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}

/** A put with `ifAbsent` found the object already there. */
export class ObjectExistsError extends ObjectStoreError {
  constructor(readonly key: string) {
    super(`object already exists: ${key}`);
  }
}

/** May succeed when tried again (timeouts, throttling, connection resets, EAGAIN/EMFILE). */
export class TransientStoreError extends ObjectStoreError {
  override readonly retryable = true;
}

/** Will fail again (permissions, disk full, invalid key, corrupt response). */
export class PermanentStoreError extends ObjectStoreError {}

/** The store's filesystem is full or over quota (ENOSPC, EDQUOT): retrying will not help until space is freed. */
export class NoSpaceError extends PermanentStoreError {}
