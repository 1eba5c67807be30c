// The durable `vault_delete` job: reclaims the data of every backup of a `deleting` vault, removing each
// backup's records only once its data is gone, then gc, then the vault's own records. Another node's gc lock
// on the vault means "later" (the job is queued again), never a failed request or a half-deleted vault.
import { RetryLaterError } from '../jobs/index.js';
import type { Job, JobRunContext } from '../jobs/queue.js';
import { type CbrDeps, errorText, requireEngine } from './cbr-deps.js';
import { collectGarbage, deleteBackupData } from './gc.js';
import type { OperationLogService } from './oplogs.js';
import type { VaultDeleteJobPayload } from './vaults.js';

/** How long a vault deletion waits when another holder has the vault's gc lock. */
export const GC_BUSY_RETRY_MS = 30_000;

const gcBusy = (err: unknown): boolean => /another gc is running/.test(errorText(err));

export async function runVaultDeleteJob(
  deps: CbrDeps,
  oplogs: OperationLogService,
  ctx: JobRunContext<VaultDeleteJobPayload>,
): Promise<unknown> {
  const { vaultId, projectId, operationLogId } = ctx.job.payload;
  const vault = await deps.repos.vaults.getVault(projectId, vaultId);
  if (!vault) {
    await oplogs.succeed(operationLogId);
    return { gone: true };
  }
  if (vault.status !== 'deleting') return { skipped: true };
  await deps.uow.run(async (r) => {
    await oplogs.start(operationLogId, r.oplogs);
    // Already so when the command made this job; not when the reconciler did.
    await r.backups.transitionVaultBackups(vaultId, ['available', 'error'], 'deleting', deps.timestamp());
  });
  const backups = await deps.repos.backups.backupsOfVault(vaultId);
  const tops = backups.filter((b) => b.parentId === null);
  const ve = tops.some((b) => b.engineBackupId || backups.some((c) => c.parentId === b.id))
    ? await requireEngine(deps).vault(vaultId)
    : null;
  let done = 0;
  for (const top of tops) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
    const tree = [top, ...backups.filter((c) => c.parentId === top.id)];
    const data = tree.map((b) => b.engineBackupId).filter((x): x is string => x !== null);
    if (ve && data.length > 0) await deleteBackupData(ve, data);
    // Its data is gone: only now does the backup disappear from the catalog.
    await deps.repos.backups.deleteBackupRows(tree.map((b) => b.id).reverse());
    done++;
    await oplogs.progress(operationLogId, Math.min(90, (done / tops.length) * 90)).catch(() => undefined);
  }
  if (ve) {
    try {
      await collectGarbage(deps, vaultId, ve, { deferWhenBlocked: false });
    } catch (err) {
      if (gcBusy(err)) {
        throw new RetryLaterError(
          `vault ${vaultId}: ${errorText(err)}; trying again later`,
          GC_BUSY_RETRY_MS,
        );
      }
      throw err;
    }
  }
  await deps.uow.run(async (r) => {
    await r.vaults.deleteVault(vaultId);
    await oplogs.succeed(operationLogId, {}, r.oplogs);
  });
  return { deletedBackups: tops.length };
}

/**
 * A vault deletion interrupted is run again (every step is idempotent); one that failed for good leaves the
 * vault `error` (its remaining backups too, with the reason) so that it can be deleted again.
 */
export async function recoverVaultDeleteJob(
  deps: CbrDeps,
  oplogs: OperationLogService,
  job: Job<VaultDeleteJobPayload>,
  reason: string,
  error: string,
): Promise<'retry' | 'fail'> {
  if (reason === 'interrupted' && job.attempts < job.maxAttempts) return 'retry';
  const { vaultId, operationLogId } = job.payload;
  const at = deps.timestamp();
  await deps.uow.run(async (r) => {
    await r.vaults.updateVault(vaultId, { status: 'error', updatedAt: at });
    await r.backups.transitionVaultBackups(vaultId, ['deleting'], 'error', at);
    await oplogs.fail(operationLogId, 'BackupService.6201', `The vault deletion failed: ${error}`, r.oplogs);
  });
  return 'fail';
}
