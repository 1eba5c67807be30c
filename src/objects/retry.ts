import { ObjectExistsError, TransientStoreError } from './errors.js';
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from './types.js';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
}

/**
 * Runs `fn` until it succeeds, fails with anything but a TransientStoreError, or `attempts` tries have failed;
 * exponential backoff with jitter (half fixed, half random) so that nodes throttled together spread out.
 */
export async function retryTransient<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 100;
  for (let i = 1; ; i++) {
    try {
      return await fn(i);
    } catch (e) {
      if (!(e instanceof TransientStoreError) || i >= attempts) throw e;
      const cap = base * 2 ** (i - 1);
      await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * (cap / 2)));
    }
  }
}

/**
 * Retries operations that failed with a TransientStoreError (retryTransient). Wraps any store. A list cannot be
 * resumed generically: stores retry their own pages (S3ObjectStore does).
 */
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

  private retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return retryTransient(fn, { attempts: this.attempts, baseDelayMs: this.baseDelayMs });
  }

  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    return this.retry(async (attempt) => {
      try {
        await this.inner.put(key, data, options);
      } catch (e) {
        // A transient failure (timeout, reset) may come after the put had in fact landed; the retry then finds
        // "its own" object. The same bytes there means that first try landed: success, not a conflict. Callers
        // that need exclusivity (locks) put bytes of their own (a random token), so this cannot steal a lock.
        if (attempt > 1 && options?.ifAbsent && e instanceof ObjectExistsError) {
          if (await this.holds(key, data)) return;
        }
        throw e;
      }
    });
  }

  private async holds(key: string, data: Uint8Array): Promise<boolean> {
    const info = await this.inner.head(key).catch(() => null);
    if (!info || info.size !== data.length) return false;
    const stored = await this.inner.get(key).catch(() => null);
    return stored?.equals(data) === true;
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
  async deleteMany(keys: string[]): Promise<void> {
    const inner = this.inner;
    if (inner.deleteMany) {
      const many = inner.deleteMany.bind(inner);
      return this.retry(() => many(keys));
    }
    for (const k of keys) await this.delete(k);
  }
  async reclaimInterrupted(prefix: string, olderThanMs: number): Promise<number> {
    return (await this.inner.reclaimInterrupted?.(prefix, olderThanMs)) ?? 0;
  }
}
