// Settles, at each start, what a crash or an older version left behind: a record in a transient status that
// no live (queued or running) job will ever move. Commands now commit their writes and jobs together, so this
// finds nothing in normal operation; it is the safety net for catalogs written before that, and for jobs whose
// recover hook itself failed.
import { BUSY, DELETING, OPERATION_OPEN, isBackingUp } from '../domain/backup-status.js';
import type { Backup, OperationLog, Vault } from '../domain/cbr-model.js';
import type { JobRecord } from '../domain/ports/jobs.js';
import type { CbrDeps } from './cbr-deps.js';
import type { BackupJobPayload } from './checkpoints.js';
import type { OperationLogService } from './oplogs.js';
import { VAULT_DELETE_JOB, type VaultDeleteJobPayload } from './vaults.js';

export interface ReconcileReport {
  /** Jobs re-created for records that had none (backup, delete, vault_delete). */
  requeued: string[];
  /** Records settled without a job (restores, whose targets only the lost job knew; orphaned logs). */
  settled: string[];
}

interface Live {
  backups: Set<string>;
  vaults: Set<string>;
  oplogs: Set<string>;
}

function liveOf(jobs: JobRecord[]): Live {
  const live: Live = { backups: new Set(), vaults: new Set(), oplogs: new Set() };
  for (const j of jobs) {
    const p = JSON.parse(j.payload) as { backupId?: string; vaultId?: string };
    if (j.kind === VAULT_DELETE_JOB && p.vaultId) live.vaults.add(p.vaultId);
    else if (p.backupId) live.backups.add(p.backupId);
    if (j.operation_log_id) live.oplogs.add(j.operation_log_id);
  }
  return live;
}

export async function reconcile(
  deps: CbrDeps,
  jobs: { live(): Promise<JobRecord[]> },
  oplogs: OperationLogService,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], settled: [] };
  let live = liveOf(await jobs.live());
  const openLogs = await deps.repos.oplogs.oplogsInStatus([...OPERATION_OPEN]);
  const logFor = (type: OperationLog['operationType'], match: (o: OperationLog) => boolean) =>
    openLogs.find((o) => o.operationType === type && match(o) && !live.oplogs.has(o.id));

  const deletingVaults = await deps.repos.vaults.vaultsInStatus(['deleting']);
  for (const v of deletingVaults) {
    if (live.vaults.has(v.id)) continue;
    await requeueVaultDelete(
      deps,
      oplogs,
      v,
      logFor('vault_delete', (o) => o.vaultId === v.id),
    );
    report.requeued.push(`vault_delete ${v.id}`);
  }
  const vaultGoing = new Set(deletingVaults.map((v) => v.id));

  const stuck = (await deps.repos.backups.backupsInStatus([...BUSY])).filter(
    (b) => b.parentId === null && !live.backups.has(b.id) && !vaultGoing.has(b.vaultId),
  );
  for (const b of stuck) {
    const kind: 'backup' | 'delete' | null = isBackingUp(b.status)
      ? 'backup'
      : DELETING.includes(b.status)
        ? 'delete'
        : null;
    if (kind !== null) {
      await requeue(
        deps,
        oplogs,
        b,
        kind,
        logFor(kind, (o) => o.backupId === b.id),
      );
      report.requeued.push(`${kind} ${b.id}`);
    } else {
      const log = logFor('restore', (o) => o.backupId === b.id);
      await deps.uow.run(async (r) => {
        await r.backups.transitionBackupTree(b.id, [...BUSY], 'available', deps.timestamp());
        if (log) {
          await oplogs.fail(
            log.id,
            'BackupService.2012',
            'The restore did not complete: its job was lost.',
            r.oplogs,
          );
        }
      });
      report.settled.push(`restore ${b.id}`);
    }
  }

  // Logs still open with no job behind them (their record was settled above, or never had one).
  live = liveOf(await jobs.live());
  for (const o of await deps.repos.oplogs.oplogsInStatus([...OPERATION_OPEN])) {
    if (live.oplogs.has(o.id)) continue;
    await oplogs.fail(o.id, 'BackupService.6215', 'The operation was interrupted and its job was lost.');
    report.settled.push(`oplog ${o.id}`);
  }
  if (report.requeued.length + report.settled.length > 0) {
    deps.log?.warn({ ...report }, 'reconciled records no job was working on');
  }
  return report;
}

async function requeue(
  deps: CbrDeps,
  oplogs: OperationLogService,
  b: Backup,
  kind: 'backup' | 'delete',
  log: OperationLog | undefined,
): Promise<void> {
  const vault = (await deps.repos.vaults.getVault(b.projectId, b.vaultId)) ?? {
    id: b.vaultId,
    name: '',
  };
  await deps.uow.run(async (r) => {
    const o = log ?? (await oplogs.open(kind, b, vault, undefined, r.oplogs));
    await r.jobs.enqueue<BackupJobPayload>(
      kind,
      { backupId: b.id, operationLogId: o.id },
      { projectId: b.projectId, operationLogId: o.id, maxAttempts: kind === 'delete' ? 3 : 1 },
    );
  });
}

async function requeueVaultDelete(
  deps: CbrDeps,
  oplogs: OperationLogService,
  v: Vault,
  log: OperationLog | undefined,
): Promise<void> {
  await deps.uow.run(async (r) => {
    const o = log ?? (await oplogs.openVaultDelete(v, r.oplogs));
    await r.jobs.enqueue<VaultDeleteJobPayload>(
      VAULT_DELETE_JOB,
      { vaultId: v.id, projectId: v.projectId, operationLogId: o.id },
      { projectId: v.projectId, operationLogId: o.id, maxAttempts: 3 },
    );
  });
}
