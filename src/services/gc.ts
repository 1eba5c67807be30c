// Garbage collection of a vault's engine data, with a durable follow-up. The engine's gc() deletes
// unreferenced objects at once only when no backup/restore/verify of the vault holds a lease; otherwise it
// can merely condemn them and the space comes back at the *next* gc() call. Deletes used to be the only
// callers, so condemned data stayed until someone deleted again. Now every gc that leaves objects pending,
// or that could not run at all (the vault's gc lock held, maybe by a process that died; the store too full
// for gc's own writes), queues a `gc` job for that vault (one at a time), re-run until nothing is pending:
// durable, so a restart does not lose it. Interrupted deletes and backups queue one too (their recover).
import type { Job, JobRunContext } from '../jobs/queue.js';
import type { CbrDeps } from './cbr-deps.js';
import { requireEngine } from './cbr-deps.js';
import type { VaultEnginePort } from './engine-port.js';

export interface GcJobPayload {
  vaultId: string;
}

/**
 * Delay before a follow-up gc when the engine does not say its lease TTL: the engine's default (10 min). A
 * lease live at condemnation (or a gc lock) ends when its operation does, or goes stale after a TTL without
 * renewal, so a TTL is the longest useful wait.
 */
export const GC_FOLLOW_UP_MS = 10 * 60 * 1000;

/** A lease TTL and a little more, so that a lease last renewed just before the gc is stale when it runs again. */
export function followUpDelay(ve: VaultEnginePort): number {
  const ttl = ve.leaseTtlMs ?? GC_FOLLOW_UP_MS;
  return ttl + Math.min(5000, Math.ceil(ttl / 10));
}

export interface GcOutcome {
  pendingObjects: number;
  deletedObjects: number;
  deletedBytes: number;
  followUpQueued: boolean;
}

/** Deletes these backups' data from the vault; data already gone counts as deleted (deleting is idempotent). */
export async function deleteBackupData(
  ve: VaultEnginePort,
  engineBackupIds: readonly string[],
): Promise<void> {
  for (const id of engineBackupIds) {
    try {
      await ve.deleteBackup(id);
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err;
    }
  }
}

/**
 * Runs gc on the vault now, recounts its usage, and queues a follow-up when objects stay condemned.
 * `deferWhenBlocked` (default true): when gc cannot run (lock held, store full), queue a gc job and return;
 * false rethrows, for a caller that must not go on before its gc has run (a vault deletion).
 */
export async function collectGarbage(
  deps: CbrDeps,
  vaultId: string,
  ve?: VaultEnginePort,
  opts: { deferWhenBlocked?: boolean } = {},
): Promise<GcOutcome> {
  const v = ve ?? (await requireEngine(deps).vault(vaultId));
  let stats: Partial<Record<'pendingObjects' | 'deletedObjects' | 'deletedBytes', number>>;
  try {
    stats = ((await v.gc()) ?? {}) as typeof stats;
  } catch (err) {
    // Another gc holds the vault's gc lock (maybe a process that died holding it: the lock is taken over
    // once it is a lease TTL old), or the store is too full for gc's own small writes (its lock, its
    // condemned list) until something else frees a little. What triggered this gc has done its part (a
    // delete's manifest and rows are gone, nothing would trigger it again): the reclaiming happens later.
    const code = (err as { code?: unknown }).code;
    if ((code !== 'GC_BUSY' && code !== 'NO_SPACE') || opts.deferWhenBlocked === false) throw err;
    deps.log?.warn({ vaultId, err: (err as Error).message }, 'gc deferred');
    deps.metrics?.gcRan('deferred', 0);
    return {
      pendingObjects: 0,
      deletedObjects: 0,
      deletedBytes: 0,
      followUpQueued: await scheduleGc(deps, vaultId, followUpDelay(v)),
    };
  }
  // The vault's billing.used follows (best effort: a failed count must not undo a finished gc).
  await v
    .usage()
    .then((u) => deps.repos.vaults.setVaultUsedBytes(vaultId, u.storedBytes))
    .catch(() => undefined);
  const pendingObjects = Number(stats.pendingObjects ?? 0);
  deps.metrics?.gcRan('done', Number(stats.deletedBytes ?? 0));
  const followUpQueued = pendingObjects > 0 ? await scheduleGc(deps, vaultId, followUpDelay(v)) : false;
  return {
    pendingObjects,
    deletedObjects: Number(stats.deletedObjects ?? 0),
    deletedBytes: Number(stats.deletedBytes ?? 0),
    followUpQueued,
  };
}

/** Per vault, the scheduling under way: two deletes finishing at once must not both see "none waiting". */
const scheduling = new Map<string, Promise<unknown>>();

/** Queues a `gc` job for the vault unless one is already waiting. Returns whether one is now queued. */
export function scheduleGc(deps: CbrDeps, vaultId: string, delayMs: number): Promise<boolean> {
  const run = async () => {
    const queued = await deps.jobs.list({ status: 'queued', kind: 'gc', limit: 10_000 });
    if (queued.some((j) => (j.payload as GcJobPayload).vaultId === vaultId)) return true;
    await deps.jobs.enqueue<GcJobPayload>(
      'gc',
      { vaultId },
      { maxAttempts: 3, runAfter: new Date(deps.clock().getTime() + delayMs) },
    );
    return true;
  };
  const next = (scheduling.get(vaultId) ?? Promise.resolve()).then(run, run);
  scheduling.set(vaultId, next);
  void next
    .finally(() => {
      if (scheduling.get(vaultId) === next) scheduling.delete(vaultId);
    })
    .catch(() => undefined);
  return next;
}

export async function runGcJob(deps: CbrDeps, ctx: JobRunContext<GcJobPayload>): Promise<unknown> {
  if (!deps.engine()) {
    // Not serving data right now: try again later rather than dropping the pending space.
    await scheduleGc(deps, ctx.job.payload.vaultId, GC_FOLLOW_UP_MS);
    return { deferred: true };
  }
  return collectGarbage(deps, ctx.job.payload.vaultId);
}

/** An interrupted gc is simply run again (gc is idempotent and takes the vault's gc lock). */
export async function recoverGcJob(_job: Job<GcJobPayload>, reason: string): Promise<'retry' | 'fail'> {
  return reason === 'interrupted' ? 'retry' : 'fail';
}
