import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ObjectInfo, ObjectStore } from '../objects/index.js';
import { LeaseLostError } from './errors.js';

export type LeaseKind = 'backup' | 'restore' | 'verify';

/**
 * A lease object announces a running backup/restore/verify to GC (docs/format.md, "Garbage collection").
 * It is re-put every ttl/4; a lease not modified for a ttl is stale.
 */
export class Lease {
  private timer?: NodeJS.Timeout;
  private lastOk = performance.now();
  private released = false;
  /** The heartbeat put in flight, awaited by release so that it cannot re-create the lease after its delete. */
  private beat: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
    private readonly body: Buffer,
    private readonly ttlMs: number,
  ) {}

  /** `ifAbsent` makes the first put fail with ObjectExistsError when somebody else holds the key. */
  async start(options?: { ifAbsent?: boolean }): Promise<void> {
    await this.store.put(this.key, this.body, options);
    this.lastOk = performance.now();
    this.timer = setInterval(
      () => {
        this.beat = this.store.put(this.key, this.body).then(
          () => {
            this.lastOk = performance.now();
          },
          () => {},
        );
      },
      Math.max(50, this.ttlMs / 4),
    );
    this.timer.unref();
  }

  /** Throws when the heartbeat has failed for more than half a TTL: GC may already consider us dead. */
  assertFresh(): void {
    if (performance.now() - this.lastOk > this.ttlMs / 2) {
      throw new LeaseLostError(
        `lease ${this.key} was not renewed for ${Math.round(performance.now() - this.lastOk)} ms`,
      );
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.beat;
    await this.store.delete(this.key).catch(() => {});
  }
}

export class Leases {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    readonly ttlMs: number,
  ) {}

  async acquire(kind: LeaseKind): Promise<Lease> {
    const key = `${this.prefix}leases/${randomBytes(16).toString('hex')}`;
    const body = Buffer.from(
      JSON.stringify({ kind, pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const lease = new Lease(this.store, key, body, this.ttlMs);
    await lease.start();
    return lease;
  }

  async list(): Promise<{ live: ObjectInfo[]; stale: ObjectInfo[] }> {
    const live: ObjectInfo[] = [];
    const stale: ObjectInfo[] = [];
    const now = Date.now();
    for await (const o of this.store.list(`${this.prefix}leases/`)) {
      (now - o.lastModified.getTime() > this.ttlMs ? stale : live).push(o);
    }
    return { live, stale };
  }
}
