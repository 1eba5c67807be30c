// Verify: a durable `verify` job reads a backup (each disk of a server backup) back from the vault and checks
// every chunk; its operation log says which byte ranges of which disk are bad, or that all bytes verified.
import type { Backup, OperationLog } from '../domain/cbr-model.js';
import { AppError } from '../domain/errors.js';
import type { Job, JobRunContext } from '../jobs/queue.js';
import type { BackupService } from './backups.js';
import { type CbrDeps, errorText, requireEngine } from './cbr-deps.js';
import type { EngineVerifyReport } from './engine-port.js';
import type { OperationLogService } from './oplogs.js';
import type { VaultService } from './vaults.js';

export interface VerifyJobPayload {
  backupId: string;
  operationLogId: string;
}

export interface DiskVerifyResult {
  backupId: string;
  resourceId: string;
  resourceName: string;
  volumeBytes: number;
  /** Bytes of the disk whose chunks read back intact (zero chunks included). */
  verifiedBytes: number;
  badRegions: EngineVerifyReport['badRegions'];
  /** Damaged metadata that costs no byte yet (a pack header only its copy still describes). */
  damagedObjects: EngineVerifyReport['damagedObjects'];
  /** The disk could not be verified at all (no data, engine error). */
  error: string | null;
}

/** What a finished verify job found (the job's result, shown with its operation log). */
export interface VerifyResult {
  backupId: string;
  totalBytes: number;
  verifiedBytes: number;
  disks: DiskVerifyResult[];
  summary: string;
}

const VERIFY_FAILED = 'OpenCBR.VerifyFailed';
const VERIFIABLE = ['available', 'restoring'];

export class VerifyService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly backups: BackupService,
    private readonly vaults: VaultService,
    private readonly oplogs: OperationLogService,
  ) {}

  /** Opens a `verify` operation log and enqueues the job (its id is the operation log's). */
  async start(projectId: string, backupId: string): Promise<{ operationLogId: string }> {
    const { backup: b } = await this.backups.get(projectId, backupId);
    if (!VERIFIABLE.includes(b.status)) {
      throw new AppError('conflict', `The backup cannot be verified in status ${b.status}.`, {
        field: 'backup_id',
      });
    }
    const vault = await this.vaults.get(projectId, b.vaultId);
    // The log and its job commit together.
    return this.deps.uow.run(async (r) => {
      const o = await this.oplogs.open('verify', b, vault, undefined, r.oplogs);
      await r.jobs.enqueue<VerifyJobPayload>(
        'verify',
        { backupId: b.id, operationLogId: o.id },
        // Reading is idempotent: a verify interrupted by a restart runs again.
        { id: o.id, projectId, operationLogId: o.id, maxAttempts: 2 },
      );
      return { operationLogId: o.id };
    });
  }

  /** A verify operation log with what its job found (null while it runs, or when it ended without a result). */
  async get(
    projectId: string,
    operationLogId: string,
  ): Promise<{ log: OperationLog; result: VerifyResult | null }> {
    const log = await this.oplogs.get(projectId, operationLogId);
    if (log.operationType !== 'verify') {
      throw new AppError('oplog_not_found', `The operation log ${operationLogId} is not a verification.`, {
        field: 'operation_log_id',
      });
    }
    const job = await this.deps.jobs.get<VerifyJobPayload>(operationLogId);
    const result = job?.status === 'succeeded' ? ((job.result as VerifyResult | null) ?? null) : null;
    return { log, result };
  }

  async runVerifyJob(ctx: JobRunContext<VerifyJobPayload>): Promise<VerifyResult> {
    const { backupId, operationLogId } = ctx.job.payload;
    const top = await this.deps.repos.backups.getBackup(backupId);
    if (!top) {
      await this.oplogs.fail(operationLogId, VERIFY_FAILED, `The backup ${backupId} no longer exists.`);
      return { backupId, totalBytes: 0, verifiedBytes: 0, disks: [], summary: 'the backup no longer exists' };
    }
    await this.oplogs.start(operationLogId);
    const disks: Backup[] =
      top.resourceKind === 'server' ? await this.deps.repos.backups.getChildren(top.id) : [top];
    const total = disks.reduce((a, d) => a + d.volumeBytes, 0) || 1;
    const ve = await requireEngine(this.deps).vault(top.vaultId);
    const results: DiskVerifyResult[] = [];
    let before = 0;
    let last = 0;
    for (const d of disks) {
      const r: DiskVerifyResult = {
        backupId: d.id,
        resourceId: d.resourceId,
        resourceName: d.resourceName,
        volumeBytes: d.volumeBytes,
        verifiedBytes: 0,
        badRegions: [],
        damagedObjects: [],
        error: null,
      };
      results.push(r);
      if (!d.engineBackupId || d.status === 'error') {
        r.error = d.status === 'error' ? `the disk backup failed: ${d.failReason ?? 'error'}` : 'no data';
        before += d.volumeBytes;
        continue;
      }
      try {
        const rep = await ve.verify(d.engineBackupId, {
          signal: ctx.signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - last < 500) return;
            last = now;
            const pct = ((before + p.bytesDone) / total) * 100;
            void this.oplogs.progress(operationLogId, Math.min(99, pct)).catch(() => undefined);
          },
        });
        r.volumeBytes = rep.volumeSize || d.volumeBytes;
        r.badRegions = rep.badRegions;
        r.damagedObjects = rep.damagedObjects;
        const bad = rep.badRegions.reduce((a, x) => a + x.length, 0);
        // A manifest that cannot be read is one region of length 0: nothing of the disk is verified.
        r.verifiedBytes =
          rep.chunkCount === 0 && rep.badRegions.length > 0 ? 0 : Math.max(0, r.volumeBytes - bad);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        r.error = errorText(err);
      }
      before += d.volumeBytes;
    }
    const result: VerifyResult = {
      backupId: top.id,
      totalBytes: results.reduce((a, r) => a + r.volumeBytes, 0),
      verifiedBytes: results.reduce((a, r) => a + r.verifiedBytes, 0),
      disks: results,
      summary: summarize(results),
    };
    const failed = results.some((r) => r.error !== null || r.badRegions.length > 0);
    if (failed) await this.oplogs.fail(operationLogId, VERIFY_FAILED, result.summary);
    else await this.oplogs.succeed(operationLogId);
    return result;
  }

  async recoverVerifyJob(
    job: Job<VerifyJobPayload>,
    reason: string,
    error: string,
  ): Promise<'retry' | 'fail'> {
    if (reason === 'interrupted' && job.attempts < job.maxAttempts) return 'retry';
    await this.oplogs.fail(
      job.payload.operationLogId,
      VERIFY_FAILED,
      `The verification did not complete: ${error}`,
    );
    return 'fail';
  }
}

/** One line naming every bad region by disk, byte offset and length, or the bytes verified. */
export function summarize(disks: DiskVerifyResult[]): string {
  const parts: string[] = [];
  for (const d of disks) {
    const name = `disk ${d.resourceName} (backup ${d.backupId})`;
    if (d.error) parts.push(`${name} could not be verified: ${d.error}`);
    for (const r of d.badRegions)
      parts.push(`${name}: ${r.length} bytes at offset ${r.offset} are unreadable (${r.reason})`);
  }
  const verified = disks.reduce((a, d) => a + d.verifiedBytes, 0);
  const total = disks.reduce((a, d) => a + d.volumeBytes, 0);
  if (parts.length === 0) {
    const notes = disks.reduce((a, d) => a + d.damagedObjects.length, 0);
    return `all ${total} bytes verified${notes ? `; ${notes} damaged metadata object(s) still readable through a copy` : ''}`;
  }
  return `${verified} of ${total} bytes verified; ${parts.join('; ')}`;
}
