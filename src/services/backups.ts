import type { Backup, BackupFilter, BackupPage, Checkpoint, Vault } from '../domain/cbr-model.js';
import { canDelete, canRestore, checkpointStatusOf } from '../domain/cbr-rules.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Server, Volume } from '../domain/inventory.js';
// Backups: get, list (filters/sort/paging), update, delete (durable `delete` job: engine delete + gc) and
// restore (durable `restore` job: byte-identical write of each disk backup to a target volume).
import { type BackupList, type BackupTree, MarkerNotFoundError } from '../domain/ports/cbr-repositories.js';
import { assertDeletableUnderLock } from '../domain/vault-lock.js';
import type { Job, JobRunContext } from '../jobs/queue.js';
import { type CbrDeps, cbrError, errorText, requireEngine } from './cbr-deps.js';
import { collectGarbage, deleteBackupData, scheduleGc } from './gc.js';
import type { OperationLogService } from './oplogs.js';
import { backupAccess } from './sharing.js';
import type { VaultService } from './vaults.js';

/** `snapshot`: see BackupTree (same rows, same object), for callers that cache what they derive from it. */
export type BackupWithChildren = BackupTree;

export interface RestoreInput {
  /** Target volume for a disk backup (default: the volume it was taken from). */
  volumeId?: string;
  /** Target server for a server backup (default: the server it was taken from). */
  serverId?: string;
  /** Disk backup (child) → target volume; default: each child to the volume it was taken from. */
  mappings?: Array<{ backupId: string; volumeId: string }>;
  /**
   * The host a disk backup is restored on (HSS names one for every restore): a server of the project that
   * the target volume is attached to, else the restore is refused rather than written elsewhere.
   */
  hostId?: string;
}

export interface RestoreJobPayload {
  backupId: string;
  operationLogId: string;
  targets: Array<{ diskBackupId: string; volumeId: string }>;
}

export interface DeleteJobPayload {
  backupId: string;
  operationLogId: string;
}

export class BackupService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly vaults: VaultService,
    private readonly oplogs: OperationLogService,
  ) {}

  async get(projectId: string, id: string): Promise<BackupWithChildren> {
    const t = await this.deps.repos.backups.getBackupTree(id);
    if (!t || t.backup.projectId !== projectId) {
      throw new AppError('backup_not_found', `The backup does not exist: backup_id ${id}.`, {
        field: 'backup_id',
      });
    }
    return t;
  }

  /** `snapshot`: see BackupList, for callers that cache what they derive from the page. */
  async list(filter: BackupFilter, page: BackupPage): Promise<BackupList> {
    try {
      return await this.deps.repos.backups.listBackups(filter, page);
    } catch (err) {
      if (err instanceof MarkerNotFoundError) {
        throw new AppError(
          'validation',
          `Invalid parameter marker: ${err.marker} is not a backup of this project`,
          {
            field: 'marker',
          },
        );
      }
      throw err;
    }
  }

  async rename(projectId: string, id: string, name: string): Promise<BackupWithChildren> {
    await this.ownedOrRefused(
      projectId,
      id,
      'BackupService.6707',
      'Backup sharing is not allowed: a shared backup is changed by its owner project only.',
    );
    await this.deps.uow.run((r) => r.backups.updateBackup(id, { name, updatedAt: this.deps.timestamp() }));
    await this.recordChanged(id);
    return this.get(projectId, id);
  }

  /** A renamed backup's catalog record follows (a failure costs the rebuild the new name only). */
  private async recordChanged(id: string): Promise<void> {
    await this.deps.records?.backupCommitted(id).catch((err) => {
      this.deps.log?.warn({ err, backupId: id }, 'catalog record not rewritten');
    });
  }

  /** Name and/or description (Cinder's update sets both; CBR's own update renames only). */
  async update(
    projectId: string,
    id: string,
    patch: { name?: string; description?: string | null },
  ): Promise<BackupWithChildren> {
    await this.get(projectId, id);
    await this.deps.uow.run((r) =>
      r.backups.updateBackup(id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updatedAt: this.deps.timestamp(),
      }),
    );
    await this.recordChanged(id);
    return this.get(projectId, id);
  }

  /**
   * An administrator sets a backup's status (Cinder os-reset_status, or settling a stuck backup before a
   * forced delete). Only `available` and `error`: the states no job works in.
   */
  async resetStatus(
    projectId: string,
    id: string,
    status: 'available' | 'error',
    failReason?: string | null,
  ): Promise<void> {
    await this.get(projectId, id);
    await this.deps.uow.run((r) =>
      r.backups.updateBackup(id, {
        status,
        updatedAt: this.deps.timestamp(),
        ...(failReason !== undefined ? { failReason } : {}),
      }),
    );
  }

  /**
   * Registers a backup whose data is already in the vault (Cinder import_record after a catalog loss): the
   * vault when it is gone too, a checkpoint of its own and the backup. The caller has checked that the engine
   * lists the data; this only records it, then recounts the vault's usage.
   */
  async importRecord(input: {
    vault: Vault;
    createVault: boolean;
    checkpoint: Checkpoint;
    backup: Backup;
  }): Promise<Backup> {
    const { vault, checkpoint, backup } = input;
    if (await this.deps.repos.backups.getBackup(backup.id)) {
      throw new AppError('conflict', `The backup ${backup.id} already exists.`, { field: 'backup_record' });
    }
    await this.deps.uow.run(async (r) => {
      if (input.createVault) await r.vaults.insertVault(vault);
      await r.checkpoints.insertCheckpoint(checkpoint);
      await r.backups.insertBackups([backup]);
    });
    await this.vaults.refreshUsage(vault.id).catch(() => undefined);
    await this.recordChanged(backup.id);
    return (await this.deps.repos.backups.getBackup(backup.id)) ?? backup;
  }

  /** Marks the backup (and its disk children) `deleting` and enqueues the deletion. */
  async delete(projectId: string, id: string): Promise<{ operationLogId: string }> {
    const { backup: b } = await this.ownedOrRefused(
      projectId,
      id,
      'BackupService.6711',
      'Shared backup deletion failed: a shared backup is deleted by its owner project only.',
    );
    if (b.parentId !== null) {
      throw new AppError(
        'backup_not_deletable',
        `The backup ${id} is a disk of server backup ${b.parentId}; delete that one.`,
        {
          field: 'backup_id',
        },
      );
    }
    if (!canDelete(b)) {
      throw new AppError('backup_not_deletable', `The backup cannot be deleted in status ${b.status}.`, {
        field: 'backup_id',
      });
    }
    const vault = await this.vaults.get(projectId, b.vaultId);
    assertDeletableUnderLock(vault, b, this.deps.timestamp());
    return this.deps.uow.run(async (r) => {
      const at = this.deps.timestamp();
      // CBR's rule: a backup a member has accepted stays until the owner stops sharing it (DeleteMember).
      if ((await r.members.countMembers(b.id, 'accepted')) > 0) {
        throw cbrError(
          'validation',
          'BackupService.6703',
          `The backup has been shared: a member accepted backup ${b.id}; remove its members before deleting it.`,
          'backup_id',
        );
      }
      if (!(await r.backups.transitionBackupTree(b.id, ['available', 'error'], 'deleting', at))) {
        throw new AppError('backup_not_deletable', 'The backup cannot be deleted: its status changed.', {
          field: 'backup_id',
        });
      }
      const o = await this.oplogs.open('delete', b, vault, undefined, r.oplogs);
      await r.jobs.enqueue<DeleteJobPayload>(
        'delete',
        { backupId: b.id, operationLogId: o.id },
        { projectId, operationLogId: o.id, maxAttempts: 3 },
      );
      return { operationLogId: o.id };
    });
  }

  /** Marks the backup `restoring` and enqueues a restore of each disk to its target volume. */
  async restore(projectId: string, id: string, input: RestoreInput): Promise<{ operationLogId: string }> {
    // The owner, or a member that accepted the share, restores onto its own disks (its project's inventory).
    const { tree, access } = await backupAccess(this.deps, projectId, id);
    if (access.role === 'member' && access.member.status !== 'accepted') {
      throw cbrError(
        'validation',
        'BackupService.6707',
        `Backup sharing is not allowed: accept the share of backup ${access.member.backupId} before restoring it.`,
        'backup_id',
      );
    }
    const { backup: b, children } = tree;
    if (!canRestore(b)) {
      throw new AppError('restore_wrong_state', `Restoration is not allowed in backup status ${b.status}.`, {
        field: 'backup_id',
      });
    }
    const targets: RestoreJobPayload['targets'] = [];
    let targetName: { id: string; name: string };
    if (b.resourceKind === 'volume') {
      if (input.serverId !== undefined || input.mappings !== undefined) {
        throw invalid(
          'restore.volume_id',
          'a disk backup restores to a volume: give volume_id, not server_id/mappings',
        );
      }
      const volumeId = input.volumeId ?? b.resourceId;
      const v = await this.targetVolume(projectId, volumeId, 'restore.volume_id');
      if (input.hostId !== undefined) {
        const host = await this.targetServer(projectId, input.hostId);
        if (v.serverId !== host.id) {
          throw invalid('restore.server_id', `disk ${v.id} is not attached to server ${host.id}`);
        }
      }
      checkSize(b, v, 'restore.volume_id');
      targets.push({ diskBackupId: b.id, volumeId: v.id });
      targetName = { id: v.id, name: v.name };
    } else {
      if (input.volumeId !== undefined) {
        throw invalid(
          'restore.server_id',
          'a server backup restores to a server: give server_id and mappings',
        );
      }
      const server = await this.targetServer(projectId, input.serverId ?? b.resourceId);
      targetName = { id: server.id, name: server.name };
      const mappings =
        input.mappings ??
        children.map((c) => {
          if (!server.volumes.some((v) => v.id === c.resourceId)) {
            throw invalid(
              'restore.mappings',
              `disk ${c.resourceId} is not attached to server ${server.id}: give mappings`,
            );
          }
          return { backupId: c.id, volumeId: c.resourceId };
        });
      const usedVolumes = new Set<string>();
      for (const [i, m] of mappings.entries()) {
        const child = children.find((c) => c.id === m.backupId);
        if (!child) {
          throw invalid(
            `restore.mappings[${i}].backup_id`,
            `${m.backupId} is not a disk backup of backup ${b.id}`,
          );
        }
        if (child.status !== 'available') {
          throw new AppError('restore_wrong_state', `Disk backup ${child.id} is ${child.status}.`, {
            field: `restore.mappings[${i}].backup_id`,
          });
        }
        if (!server.volumes.some((v) => v.id === m.volumeId)) {
          throw cbrError(
            'validation',
            'BackupService.2012',
            `Invalid parameter restore.mappings[${i}].volume_id: disk ${m.volumeId} is not attached to server ${server.id}`,
            `restore.mappings[${i}].volume_id`,
          );
        }
        if (usedVolumes.has(m.volumeId)) {
          throw invalid(
            `restore.mappings[${i}].volume_id`,
            `disk ${m.volumeId} is the target of two mappings`,
          );
        }
        usedVolumes.add(m.volumeId);
        const v = await this.targetVolume(projectId, m.volumeId, `restore.mappings[${i}].volume_id`);
        checkSize(child, v, `restore.mappings[${i}].volume_id`);
        // A system disk image may go to a data disk (an operator inspecting it); a data disk onto the system disk may not.
        if (!child.systemDisk && v.position === 0) {
          throw cbrError(
            'validation',
            'BackupService.2013',
            `Invalid parameter restore.mappings[${i}].volume_id: a data disk backup cannot be restored to system disk ${v.id}`,
            `restore.mappings[${i}].volume_id`,
          );
        }
        targets.push({ diskBackupId: child.id, volumeId: v.id });
      }
      if (targets.length === 0) throw invalid('restore.mappings', 'must map at least one disk backup');
    }
    // Writing a disk while it is being read for a backup, or twice at once, would corrupt one of them.
    const targetIds = [targetName.id, ...targets.map((t) => t.volumeId)];
    const reading = await this.deps.repos.backups.resourcesBeingBackedUp(projectId, targetIds);
    if (reading.size > 0) {
      throw cbrError(
        'validation',
        'BackupService.2002',
        `The resource is being backed up: ${[...reading].join(', ')}. Restore it after the backup is complete.`,
        'restore',
      );
    }
    const writing = await this.deps.repos.oplogs.resourcesBeingRestored(projectId);
    const clash = targetIds.filter((id) => writing.has(id));
    if (clash.length > 0) {
      throw cbrError(
        'validation',
        'BackupService.2010',
        `The resource is being restored: ${clash.join(', ')}.`,
        'restore',
      );
    }
    const vault = await this.vaults.get(b.projectId, b.vaultId);
    return this.deps.uow.run(async (r) => {
      const at = this.deps.timestamp();
      if (!(await r.backups.transitionBackupTree(b.id, ['available'], 'restoring', at))) {
        throw new AppError('restore_wrong_state', 'Restoration is not allowed: the backup status changed.', {
          field: 'backup_id',
        });
      }
      // The restore is logged where it was asked for (a member's restore in the member's project).
      const o = await this.oplogs.open('restore', { ...b, projectId }, vault, targetName, r.oplogs);
      await r.jobs.enqueue<RestoreJobPayload>(
        'restore',
        { backupId: b.id, operationLogId: o.id, targets },
        { projectId, operationLogId: o.id },
      );
      return { operationLogId: o.id };
    });
  }

  /** The backup when `projectId` owns it; a member of its share is refused with `cbr`, anyone else gets a 404. */
  private async ownedOrRefused(
    projectId: string,
    id: string,
    cbr: string,
    message: string,
  ): Promise<BackupTree> {
    const { tree, access } = await backupAccess(this.deps, projectId, id);
    if (access.role !== 'owner') throw cbrError('validation', cbr, message, 'backup_id');
    return tree;
  }

  private async targetServer(projectId: string, serverId: string): Promise<Server> {
    return this.deps.inventory.getServer(projectId, serverId).catch((err) => {
      if (isAppError(err)) {
        throw new AppError('server_not_found', `The server does not exist: restore.server_id ${serverId}.`, {
          field: 'restore.server_id',
        });
      }
      throw err;
    });
  }

  private async targetVolume(projectId: string, volumeId: string, field: string): Promise<Volume> {
    try {
      return await this.deps.inventory.refreshVolumeSize(projectId, volumeId);
    } catch (err) {
      if (isAppError(err) && err.code === 'volume_not_found') {
        throw new AppError('volume_not_found', `The disk does not exist: ${field} ${volumeId}.`, { field });
      }
      throw err;
    }
  }

  // ------------------------------------------------------------------ jobs

  async runRestoreJob(ctx: JobRunContext<RestoreJobPayload>): Promise<unknown> {
    const { backupId, operationLogId, targets } = ctx.job.payload;
    const top = await this.deps.repos.backups.getBackup(backupId);
    if (!top || top.status !== 'restoring') return { skipped: true };
    await this.oplogs.start(operationLogId);
    const ve = await requireEngine(this.deps).vault(top.vaultId);
    let failure: string | null = null;
    let done = 0;
    const total = targets.length;
    for (const t of targets) {
      const disk = t.diskBackupId === top.id ? top : await this.deps.repos.backups.getBackup(t.diskBackupId);
      try {
        if (!disk?.engineBackupId) throw new Error(`disk backup ${t.diskBackupId} has no data`);
        const v = await this.deps.inventory.getVolume(ctx.job.projectId ?? top.projectId, t.volumeId);
        let last = 0;
        const restored = (await ve.restore({
          backupId: disk.engineBackupId,
          target: v.path,
          // Every target is an existing inventory volume: restoring never shrinks a larger disk (as a cloud
          // disk keeps its size); the tail beyond the backup reads as zeros.
          preserveLargerTarget: true,
          signal: ctx.signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - last < 500) return;
            last = now;
            const pct = ((done + p.bytesDone / (p.bytesTotal || 1)) / total) * 100;
            void this.oplogs.progress(operationLogId, Math.min(99, pct)).catch(() => undefined);
          },
        })) as { bytesWritten?: number } | undefined;
        this.deps.metrics?.diskRestored(restored?.bytesWritten ?? disk.volumeBytes);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failure = `Restore of ${t.diskBackupId} to disk ${t.volumeId} failed: ${errorText(err)}`;
        break;
      }
      done++;
    }
    await this.deps.uow.run(async (r) => {
      await r.backups.transitionBackupTree(top.id, ['restoring'], 'available', this.deps.timestamp());
      if (failure) await this.oplogs.fail(operationLogId, 'BackupService.2012', failure, r.oplogs);
      else await this.oplogs.succeed(operationLogId, {}, r.oplogs);
    });
    return { ok: failure === null };
  }

  async recoverRestoreJob(job: Job<RestoreJobPayload>, _reason: string, error: string): Promise<'fail'> {
    await this.deps.repos.backups.transitionBackupTree(
      job.payload.backupId,
      ['restoring'],
      'available',
      this.deps.timestamp(),
    );
    await this.oplogs.fail(
      job.payload.operationLogId,
      'BackupService.2012',
      `The restore did not complete, so the target disk may hold part of the backup; restore it again: ${error}`,
    );
    return 'fail';
  }

  async runDeleteJob(ctx: JobRunContext<DeleteJobPayload>): Promise<unknown> {
    const { backupId, operationLogId } = ctx.job.payload;
    const top = await this.deps.repos.backups.getBackup(backupId);
    if (!top) {
      await this.oplogs.succeed(operationLogId);
      return { gone: true };
    }
    if (top.status !== 'deleting') return { skipped: true };
    await this.oplogs.start(operationLogId);
    const children = top.resourceKind === 'server' ? await this.deps.repos.backups.getChildren(top.id) : [];
    const disks = [top, ...children].filter((d) => d.engineBackupId);
    const ve = await requireEngine(this.deps).vault(top.vaultId);
    await deleteBackupData(
      ve,
      disks.map((d) => d.engineBackupId!),
    );
    await this.deps.records?.backupDeleted(top.vaultId, top.id);
    // Its data is gone: the rows, the checkpoint's status and the log follow in one transaction.
    await this.deps.uow.run(async (r) => {
      await r.backups.deleteBackupRows([...children.map((c) => c.id), top.id]);
      const c = await r.checkpoints.getCheckpoint(top.projectId, top.checkpointId);
      if (c) {
        const left = await r.backups.topBackupsOfCheckpoint(c.id);
        await r.checkpoints.updateCheckpoint(c.id, {
          status: left.length === 0 ? 'deleted' : checkpointStatusOf(left.map((b) => b.status)),
          updatedAt: this.deps.timestamp(),
        });
      }
    });
    // gc (and a durable follow-up when a running backup/restore of the vault leaves data condemned).
    await collectGarbage(this.deps, top.vaultId, ve);
    await this.oplogs.succeed(operationLogId);
    return { deleted: disks.length };
  }

  /**
   * Interrupted deletes are retried (deleting is idempotent); a delete that failed for good shows `error`.
   * Either way a gc of the vault is queued: a retry that finds the rows already gone (the first attempt died
   * in its gc) has nothing left to trigger one, and the data it was reclaiming would stay for good.
   */
  async recoverDeleteJob(
    job: Job<DeleteJobPayload>,
    reason: string,
    error: string,
  ): Promise<'retry' | 'fail'> {
    const vaultId =
      (await this.deps.repos.backups.getBackup(job.payload.backupId))?.vaultId ??
      (job.projectId
        ? (await this.deps.repos.oplogs.getOplog(job.projectId, job.payload.operationLogId))?.vaultId
        : null);
    if (vaultId) await scheduleGc(this.deps, vaultId, 0).catch(() => undefined);
    if (reason === 'interrupted' && job.attempts < job.maxAttempts) return 'retry';
    const at = this.deps.timestamp();
    await this.deps.repos.backups.transitionBackupTree(job.payload.backupId, ['deleting'], 'error', at);
    await this.deps.repos.backups.updateBackup(job.payload.backupId, {
      failReason: `Deletion failed: ${error}`,
      updatedAt: at,
    });
    await this.oplogs.fail(job.payload.operationLogId, 'BackupService.6201', error);
    return 'fail';
  }
}

function invalid(field: string, problem: string): AppError {
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

function checkSize(b: Backup, v: Volume, field: string): void {
  if (v.size < b.volumeBytes) {
    throw cbrError(
      'validation',
      'BackupService.2001',
      `Invalid parameter ${field}: disk ${v.id} has ${v.size} bytes, the backup needs ${b.volumeBytes}`,
      field,
    );
  }
}
