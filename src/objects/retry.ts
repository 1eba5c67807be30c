import { TransientStoreError } from './errors.js';
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from './types.js';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
}

/** Retries operations that failed with a TransientStoreError, with exponential backoff. Wraps any store. */
export class RetryingObjectStore implements ObjectStore {
  private readonly attempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly inner: ObjectStore,
    opts: RetryOptions = {},
  ) {
    this.attempts = opts.attempts ?? 5;
    this.baseDelayMs = opts.baseDelayMs ?? 100;
  }

  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof TransientStoreError) || i >= this.attempts) throw e;
        await new Promise((r) => setTimeout(r, this.baseDelayMs * 2 ** (i - 1)));
      }
    }
  }

  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    return this.retry(() => this.inner.put(key, data, options));
  }
  get(key: string, range?: ByteRange): Promise<Buffer> {
    return this.retry(() => this.inner.get(key, range));
  }
  head(key: string): Promise<ObjectInfo> {
    return this.retry(() => this.inner.head(key));
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.retry(() => this.inner.delete(key));
  }
  async reclaimInterrupted(prefix: string, olderThanMs: number): Promise<number> {
    return (await this.inner.reclaimInterrupted?.(prefix, olderThanMs)) ?? 0;
  }
}
