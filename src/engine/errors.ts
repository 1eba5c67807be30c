/** Typed errors of the backup engine. Callers match on the class (or `code`), never on the message. */
export class EngineError extends Error {
  readonly code: string = 'ENGINE_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The volume cannot be read: missing, not a file/block device, unreadable, or it shrank/vanished while read. */
export class SourceError extends EngineError {
  override readonly code = 'SOURCE_ERROR';
}

/** The restore target cannot be opened or written. */
export class TargetError extends EngineError {
  override readonly code = 'TARGET_ERROR';
}

/** Stored data failed its authentication tag or digest check; `offset` is the volume byte offset affected. */
export class CorruptDataError extends EngineError {
  override readonly code = 'CORRUPT_DATA';
  constructor(
    readonly offset: number,
    readonly length: number,
    readonly reason: string,
  ) {
    super(`corrupt or missing data at volume offset ${offset} (length ${length}): ${reason}`);
  }
}

/** The master key cannot decrypt this vault's key (or the key file is invalid). */
export class WrongKeyError extends EngineError {
  override readonly code = 'WRONG_KEY';
}

/** No such backup (manifest) in the vault. */
export class NotFoundError extends EngineError {
  override readonly code = 'NOT_FOUND';
}

/** Invalid argument (bad id, bad extents, parent of another volume size layout, ...). */
export class InvalidRequestError extends EngineError {
  override readonly code = 'INVALID_REQUEST';
}

/** A backup with this id already exists in the vault. */
export class ConflictError extends EngineError {
  override readonly code = 'CONFLICT';
}

/** The operation was cancelled through its AbortSignal; nothing was committed. */
export class AbortedError extends EngineError {
  override readonly code = 'ABORTED';
}

/** The object store failed (after retries); the operation made no partial commit. */
export class StorageError extends EngineError {
  override readonly code: string = 'STORAGE_ERROR';
}

/** The object store (or the local index beside it) has no space left: ENOSPC, EDQUOT, SQLITE_FULL. */
export class NoSpaceError extends StorageError {
  override readonly code = 'NO_SPACE';
}

/** Another gc of the vault holds its gc lock, and its lease is still fresh: try again after a lease TTL. */
export class GcBusyError extends EngineError {
  override readonly code = 'GC_BUSY';
}

/** The backup's lease went stale (process hung or store unreachable); it refused to commit. */
export class LeaseLostError extends EngineError {
  override readonly code = 'LEASE_LOST';
}
