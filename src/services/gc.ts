// Garbage collection of a vault's engine data, with a durable follow-up. The engine's gc() deletes
// unreferenced objects at once only when no backup/restore/verify of the vault holds a lease; otherwise it
// can merely condemn them and the space comes back at the *next* gc() call. Deletes used to be the only
// callers, so condemned data stayed until someone deleted again. Now every gc that leaves objects pending
// queues a `gc` job for that vault (one at a time), re-run until nothing is pending: durable, so a restart
// does not lose it.
import type { Job, JobRunContext } from '../jobs/queue.js';
import type { CbrDeps } from './cbr-deps.js';
import { requireEngine } from './cbr-deps.js';
import type { VaultEnginePort } from './engine-port.js';

export interface GcJobPayload {
  vaultId: string;
}

/**
 * Delay before a follow-up gc: the engine's default lease TTL (10 min). A lease live at condemnation ends
 * when its operation does, or goes stale after a TTL without renewal, so this is the longest useful wait.
 */
export const GC_FOLLOW_UP_MS = 10 * 60 * 1000;

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

/** Runs gc on the vault now, recounts its usage, and queues a follow-up when objects stay condemned. */
export async function collectGarbage(
  deps: CbrDeps,
  vaultId: string,
  ve?: VaultEnginePort,
): Promise<GcOutcome> {
  const v = ve ?? (await requireEngine(deps).vault(vaultId));
  const stats = ((await v.gc()) ?? {}) as Partial<
    Record<'pendingObjects' | 'deletedObjects' | 'deletedBytes', number>
  >;
  // The vault's billing.used follows (best effort: a failed count must not undo a finished gc).
  await v
    .usage()
    .then((u) => deps.repos.vaults.setVaultUsedBytes(vaultId, u.storedBytes))
    .catch(() => undefined);
  const pendingObjects = Number(stats.pendingObjects ?? 0);
  const followUpQueued = pendingObjects > 0 ? await scheduleGc(deps, vaultId, GC_FOLLOW_UP_MS) : false;
  return {
    pendingObjects,
    deletedObjects: Number(stats.deletedObjects ?? 0),
    deletedBytes: Number(stats.deletedBytes ?? 0),
    followUpQueued,
  };
}

/** Queues a `gc` job for the vault unless one is already waiting. Returns whether one is now queued. */
export async function scheduleGc(deps: CbrDeps, vaultId: string, delayMs: number): Promise<boolean> {
  const queued = await deps.jobs.list({ status: 'queued', kind: 'gc', limit: 10_000 });
  if (queued.some((j) => (j.payload as GcJobPayload).vaultId === vaultId)) return true;
  await deps.jobs.enqueue<GcJobPayload>(
    'gc',
    { vaultId },
    { maxAttempts: 3, runAfter: new Date(deps.clock().getTime() + delayMs) },
  );
  return true;
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
