// Checkpoints (restore points): one backup run over resources of a vault. Creating one records a backup
// per resource (a server backup with one child per disk) and enqueues one durable `backup` job each.
import { randomBytes } from 'node:crypto';
import { BACKING_UP, LIVE, isBackingUp } from '../domain/backup-status.js';
import type {
  Backup,
  BackupStatus,
  Checkpoint,
  CheckpointResource,
  SkippedResource,
  Vault,
  VaultResource,
} from '../domain/cbr-model.js';
import { GIB, bytesToGb, checkpointStatusOf, disksSizeGb, serverStatusOf } from '../domain/cbr-rules.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Volume } from '../domain/inventory.js';
import { expiryOf } from '../domain/timestamps.js';
import { capacityError, checkpointCapacity, expandedSizeGb } from '../domain/vault-capacity.js';
import type { Job, JobRunContext } from '../jobs/queue.js';
import { type CbrDeps, cbrError, errorText, newId, requireEngine } from './cbr-deps.js';
import type { VaultEnginePort } from './engine-port.js';
import { followUpDelay, scheduleGc } from './gc.js';
import type { OperationLogService } from './oplogs.js';
import type { ResourceRef, VaultService } from './vaults.js';

export interface CheckpointCreateInput {
  vaultId: string;
  /** Resource ids to back up; absent = every resource of the vault. */
  resourceIds?: string[];
  /** Incremental when a previous available backup of the resource exists (default true). */
  incremental?: boolean;
  name?: string | null;
  description?: string | null;
  autoTrigger?: boolean;
  /** The policy whose schedule makes this checkpoint (named in its operation logs). */
  policyId?: string | null;
  /** Days its backups are kept (the policy's retention_duration_days): sets each backup's expiry; -1: no expiry. */
  retentionDays?: number;
  /** Bind resources that are in no vault yet to this vault first (Cinder/HSS convenience). */
  autoBind?: boolean;
}

export interface CheckpointCreated {
  checkpoint: Checkpoint;
  /** Top-level backups created (one per resource), each with its operation log. */
  backups: Array<{ backup: Backup; operationLogId: string }>;
}

export interface BackupJobPayload {
  backupId: string;
  operationLogId: string;
}

export class CheckpointService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly vaults: VaultService,
    private readonly oplogs: OperationLogService,
  ) {}

  async get(projectId: string, id: string): Promise<Checkpoint> {
    const c = await this.deps.repos.checkpoints.getCheckpoint(projectId, id);
    if (!c) {
      throw new AppError(
        'checkpoint_not_found',
        `The backup restore point does not exist: checkpoint_id ${id}.`,
        {
          field: 'checkpoint_id',
        },
      );
    }
    return this.withLiveStats(c);
  }

  /**
   * `backup_count` / `backup_size` of each checkpoint resource as the vault holds them now (read time,
   * not checkpoint creation): the resource's top-level backups in the checkpoint's vault that are not in
   * error, and the bytes they occupy in the object store (stored after dedup, compression and
   * encryption; a server counts its disks' data). Unit: bytes, as the vault's `resources[].backup_size`.
   */
  private async withLiveStats(c: Checkpoint): Promise<Checkpoint> {
    const vault = await this.deps.repos.vaults.getVault(c.projectId, c.vaultId);
    const resources: CheckpointResource[] = [];
    for (const r of c.resources) {
      const held = vault?.resources.find((x) => x.id === r.id);
      if (held) {
        resources.push({ ...r, backupCount: held.backupCount, backupBytes: held.backupBytes });
        continue;
      }
      // Removed from the vault since: its backups may still be there.
      const page = await this.deps.repos.backups.listBackups(
        {
          projectId: c.projectId,
          vaultId: c.vaultId,
          resourceId: r.id,
          parentId: null,
          statuses: [...LIVE],
        },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1000, offset: 0 },
      );
      resources.push({
        ...r,
        backupCount: page.count,
        backupBytes: page.items.reduce((a, b) => a + b.storedBytes, 0),
      });
    }
    return { ...c, resources };
  }

  /** `auth.userId`: the user creating the backups (recorded on each, shown by Cinder as `user_id`). */
  async create(
    auth: { projectId: string; userId?: string | null },
    input: CheckpointCreateInput,
  ): Promise<CheckpointCreated> {
    const { projectId } = auth;
    let vault = await this.vaults.get(projectId, input.vaultId).catch((err) => {
      if (isAppError(err) && err.code === 'vault_not_found') {
        throw new AppError(
          'vault_not_found',
          `The vault does not exist: checkpoint.vault_id ${input.vaultId}.`,
          {
            field: 'checkpoint.vault_id',
          },
        );
      }
      throw err;
    });
    if (vault.status !== 'available') {
      throw cbrError(
        'validation',
        'BackupService.6113',
        `Backup is not allowed in vault status ${vault.status}.`,
        'checkpoint.vault_id',
      );
    }
    if (input.autoBind && input.resourceIds) {
      const unbound: ResourceRef[] = [];
      for (const id of input.resourceIds) {
        if (!(await this.deps.repos.vaults.vaultOfResource(projectId, id))) unbound.push({ id });
      }
      if (unbound.length > 0) {
        await this.vaults.addResources(projectId, vault.id, unbound);
        vault = await this.vaults.get(projectId, vault.id);
      }
    }
    const ids = input.resourceIds ?? vault.resources.map((r) => r.id);
    const skipped: SkippedResource[] = [];
    const chosen: VaultResource[] = [];
    const restoring = await this.deps.repos.oplogs.resourcesBeingRestored(projectId);
    for (const id of new Set(ids)) {
      const r = vault.resources.find((x) => x.id === id);
      if (!r) {
        skipped.push({
          id,
          kind: null,
          name: null,
          code: 'BackupService.6135',
          reason: 'The resource does not exist in the vault.',
        });
        continue;
      }
      const running = await this.deps.repos.backups.listBackups(
        {
          projectId,
          vaultId: vault.id,
          resourceId: id,
          parentId: null,
          statuses: [...BACKING_UP],
        },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
      );
      if (r.suspended && input.autoTrigger) {
        skipped.push({
          id,
          kind: r.kind,
          name: r.name,
          code: 'BackupService.0001',
          reason:
            'The resource is suspended in this vault: automatic backups skip it until it is unsuspended.',
        });
        continue;
      }
      if (restoring.has(id)) {
        skipped.push({
          id,
          kind: r.kind,
          name: r.name,
          code: 'BackupService.2010',
          reason: 'The resource is being restored.',
        });
        continue;
      }
      if (running.count > 0) {
        skipped.push({
          id,
          kind: r.kind,
          name: r.name,
          code: 'BackupService.6125',
          reason: 'A backup task is in progress.',
        });
        continue;
      }
      chosen.push(r);
    }
    if (chosen.length === 0) {
      throw cbrError(
        'validation',
        'BackupService.0001',
        skipped.length > 0
          ? `No resource is available for backup: ${skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}`
          : `No resource is available for backup: vault ${vault.id} has no resources.`,
        'checkpoint.parameters.resources',
      );
    }

    const now = this.deps.timestamp();
    const checkpoint: Checkpoint = {
      id: newId(),
      projectId,
      vaultId: vault.id,
      vaultName: vault.name,
      status: 'protecting',
      name: input.name ?? null,
      description: input.description ?? null,
      incremental: input.incremental ?? true,
      autoTrigger: input.autoTrigger ?? false,
      retentionDays: input.retentionDays ?? -1,
      createdAt: now,
      updatedAt: now,
      resources: [],
      skipped,
    };
    const rows: Backup[] = [];
    const tops: Backup[] = [];
    const baseName = input.name ?? `manualbk_${randomBytes(2).toString('hex')}`;
    for (const r of chosen) {
      let disks: Volume[];
      let az: string | null;
      try {
        if (r.kind === 'server') {
          const s = await this.deps.inventory.getServer(projectId, r.id);
          disks = s.volumes.filter((v) => !r.excludeVolumes.includes(v.id));
          az = s.availabilityZone;
        } else {
          const v = await this.deps.inventory.getVolume(projectId, r.id);
          disks = [v];
          az = v.availabilityZone;
        }
      } catch (err) {
        if (!isAppError(err)) throw err;
        checkpoint.skipped.push({
          id: r.id,
          kind: r.kind,
          name: r.name,
          code: 'BackupService.6302',
          reason: 'The resource does not exist.',
        });
        continue;
      }
      if (disks.length === 0) {
        checkpoint.skipped.push({
          id: r.id,
          kind: r.kind,
          name: r.name,
          code: 'BackupService.7108',
          reason: 'Backup is not allowed for servers containing no disks.',
        });
        continue;
      }
      const total = disks.reduce((a, d) => a + d.size, 0);
      const sizeGb = disksSizeGb(disks.map((d) => d.size));
      const top = this.newBackup({
        projectId,
        userId: auth.userId ?? null,
        vault,
        checkpoint,
        parentId: null,
        name: baseName,
        kind: r.kind,
        resourceId: r.id,
        resourceName: r.name,
        bytes: total,
        sizeGb,
        az,
        diskIndex: 0,
        systemDisk: r.kind === 'volume' ? disks[0]!.position === 0 : disks.some((d) => d.position === 0),
        engine: r.kind === 'volume',
        at: now,
      });
      rows.push(top);
      tops.push(top);
      if (r.kind === 'server') {
        for (const [i, d] of disks.entries()) {
          rows.push(
            this.newBackup({
              projectId,
              userId: auth.userId ?? null,
              vault,
              checkpoint,
              parentId: top.id,
              name: `${baseName}_${d.name}`,
              kind: 'volume',
              resourceId: d.id,
              resourceName: d.name,
              bytes: d.size,
              az: d.availabilityZone,
              diskIndex: i,
              systemDisk: d.position === 0,
              engine: true,
              at: now,
            }),
          );
        }
      }
      checkpoint.resources.push({
        id: r.id,
        kind: r.kind,
        name: r.name,
        sizeGb,
        protectStatus: 'protecting',
        backupCount: r.backupCount,
        backupBytes: r.backupBytes,
      });
    }
    if (tops.length === 0) {
      throw cbrError(
        'validation',
        'BackupService.0001',
        `No resource is available for backup: ${checkpoint.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}`,
        'checkpoint.parameters.resources',
      );
    }
    const estimate = await this.capacityEstimate(projectId, vault.id, tops, checkpoint.incremental);
    const out = await this.deps.uow.run(async (r) => {
      // Capacity against the vault as this transaction sees it (domain/vault-capacity.ts for the rule).
      const held = (await r.vaults.getVault(projectId, vault.id)) ?? vault;
      const grow = checkpointCapacity(held, estimate);
      if (grow) await r.vaults.updateVault(vault.id, { sizeGb: grow.growToGb, updatedAt: now });
      // Checked again inside the transaction: a concurrent checkpoint of the same resource commits first or not at all.
      const racing = await r.backups.resourcesBeingBackedUp(
        projectId,
        tops.map((b) => b.resourceId),
      );
      if (racing.size > 0) {
        throw cbrError(
          'validation',
          'BackupService.6125',
          `A backup task is in progress: ${[...racing].join(', ')}.`,
          'checkpoint.parameters.resources',
        );
      }
      await r.checkpoints.insertCheckpoint(checkpoint);
      await r.backups.insertBackups(rows);
      const made: CheckpointCreated['backups'] = [];
      for (const b of tops) {
        await r.vaults.setResourceProtectStatus(vault.id, b.resourceId, 'protecting');
        const o = await this.oplogs.open('backup', b, vault, undefined, r.oplogs, input.policyId ?? null);
        await r.jobs.enqueue<BackupJobPayload>(
          'backup',
          { backupId: b.id, operationLogId: o.id },
          { projectId, operationLogId: o.id },
        );
        made.push({ backup: b, operationLogId: o.id });
      }
      return made;
    });
    return { checkpoint: await this.withLiveStats(checkpoint), backups: out };
  }

  /**
   * At commit time the vault must still hold what the disk's backup stored (another backup may have filled it
   * since the checkpoint was accepted, or an incremental one was larger than nothing): an auto-expanding vault
   * grows; otherwise the backup's manifest is deleted here and its chunks are left to the gc that the failure
   * queues, so that no half-stored backup stays, and the disk fails with CBR's capacity error.
   */
  private async commitFits(top: Backup, d: Backup, ve: VaultEnginePort): Promise<void> {
    const v = await this.deps.repos.vaults.getVault(top.projectId, top.vaultId);
    if (!v) return;
    const used = (await ve.usage()).storedBytes;
    if (used <= v.sizeGb * GIB) return;
    if (v.autoExpand) {
      await this.deps.repos.vaults.updateVault(v.id, {
        sizeGb: expandedSizeGb(v, used),
        updatedAt: this.deps.timestamp(),
      });
      return;
    }
    await ve.deleteBackup(d.engineBackupId ?? d.id);
    throw capacityError(v, used);
  }

  /** Bytes the new backups may store: a full backup's resource size, nothing for an incremental one. */
  private async capacityEstimate(
    projectId: string,
    vaultId: string,
    tops: Backup[],
    incremental: boolean,
  ): Promise<number> {
    let bytes = 0;
    for (const b of tops) {
      const base = incremental
        ? await this.deps.repos.backups.latestAvailable(projectId, vaultId, b.resourceId, true)
        : null;
      if (!base) bytes += b.volumeBytes;
    }
    return bytes;
  }

  private newBackup(a: {
    projectId: string;
    userId: string | null;
    vault: Vault;
    checkpoint: Checkpoint;
    parentId: string | null;
    name: string;
    kind: 'server' | 'volume';
    resourceId: string;
    resourceName: string;
    bytes: number;
    /** Resource size in GB when it is not simply `bytes` rounded up (a server: sum of its disks). */
    sizeGb?: number;
    az: string | null;
    diskIndex: number;
    systemDisk: boolean;
    engine: boolean;
    at: string;
  }): Backup {
    const id = newId();
    return {
      id,
      projectId: a.projectId,
      vaultId: a.vault.id,
      checkpointId: a.checkpoint.id,
      parentId: a.parentId,
      name: a.name,
      description: a.checkpoint.description,
      imageType: 'backup',
      status: 'protecting',
      resourceId: a.resourceId,
      resourceKind: a.kind,
      resourceName: a.resourceName,
      resourceSizeGb: a.sizeGb ?? bytesToGb(a.bytes),
      resourceAz: a.az,
      enterpriseProjectId: a.vault.enterpriseProjectId,
      createdAt: a.at,
      updatedAt: a.at,
      protectedAt: null,
      expiredAt: expiryOf(a.at, a.checkpoint.retentionDays),
      incremental: false,
      autoTrigger: a.checkpoint.autoTrigger,
      bootable: a.kind === 'volume' && a.systemDisk,
      systemDisk: a.systemDisk,
      encrypted: true,
      diskIndex: a.diskIndex,
      progress: 0,
      failReason: null,
      volumeBytes: a.bytes,
      storedBytes: 0,
      engineBackupId: a.engine ? id : null,
      baseBackupId: null,
      userId: a.userId,
    };
  }

  // ------------------------------------------------------------------ the `backup` job

  async runBackupJob(ctx: JobRunContext<BackupJobPayload>): Promise<unknown> {
    const { backupId, operationLogId } = ctx.job.payload;
    const top = await this.deps.repos.backups.getBackup(backupId);
    if (!top || top.status !== 'protecting') return { skipped: true };
    const checkpoint = await this.deps.repos.checkpoints.getCheckpoint(top.projectId, top.checkpointId);
    await this.oplogs.start(operationLogId);
    const disks = top.resourceKind === 'server' ? await this.deps.repos.backups.getChildren(top.id) : [top];
    const total = disks.reduce((a, d) => a + d.volumeBytes, 0) || 1;
    let before = 0;
    let lastWrite = 0;
    let failCode = 'BackupService.6215';
    const ve = await requireEngine(this.deps).vault(top.vaultId);
    for (const d of disks) {
      if (d.status !== 'protecting') {
        before += d.volumeBytes;
        continue;
      }
      let vol: Volume;
      try {
        vol = await this.deps.inventory.getVolume(top.projectId, d.resourceId);
      } catch (err) {
        await this.failDisk(d, `The disk ${d.resourceId} no longer exists: ${errorText(err)}`);
        before += d.volumeBytes;
        continue;
      }
      const base = checkpoint?.incremental
        ? await this.deps.repos.backups.latestAvailable(
            top.projectId,
            top.vaultId,
            d.resourceId,
            d.parentId === null,
          )
        : null;
      try {
        const stats = await ve.backup({
          backupId: d.engineBackupId ?? d.id,
          source: vol.path,
          parentBackupId: base?.engineBackupId ?? null,
          labels: {
            projectId: top.projectId,
            vaultId: top.vaultId,
            checkpointId: top.checkpointId,
            resourceId: d.resourceId,
            ...(d.parentId ? { parentId: d.parentId } : {}),
          },
          signal: ctx.signal,
          onProgress: (p) => {
            const t = Date.now();
            if (t - lastWrite < 500) return;
            lastWrite = t;
            const pct = Math.floor(((before + p.bytesDone) / total) * 100);
            void this.deps.repos.backups
              .updateBackup(d.id, {
                progress: Math.min(99, Math.floor((p.bytesDone / (p.bytesTotal || 1)) * 100)),
                updatedAt: this.deps.timestamp(),
              })
              .then(() => this.oplogs.progress(operationLogId, Math.min(99, pct)))
              .catch(() => undefined);
          },
        });
        await this.commitFits(top, d, ve);
        this.deps.metrics?.diskBackedUp(top.vaultId, stats);
        await this.deps.repos.backups.updateBackup(d.id, {
          status: 'available',
          progress: 100,
          protectedAt: this.deps.timestamp(),
          storedBytes: stats.storedBytes,
          volumeBytes: stats.volumeSize,
          resourceSizeGb: bytesToGb(stats.volumeSize),
          incremental: stats.incremental,
          baseBackupId: stats.incremental && base ? base.id : null,
          updatedAt: this.deps.timestamp(),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        if (isAppError(err) && err.code === 'vault_capacity_exceeded') failCode = err.cbrCode;
        await this.failDisk(
          d,
          `Backup of disk ${d.resourceName} (${d.resourceId}) failed: ${errorText(err)}`,
        );
        // What the failed run stored is garbage at once (its lease ended with it): a full disk gets it back.
        await scheduleGc(this.deps, top.vaultId, 0).catch(() => undefined);
      }
      before += d.volumeBytes;
    }
    const settled = await this.settle(top);
    await this.vaults.refreshUsage(top.vaultId, settled).catch(() => undefined);
    // The catalog record makes the backup recoverable by `opencbr catalog rebuild`; without it, only what
    // the manifests' labels say is.
    await this.deps.records?.backupCommitted(top.id).catch((err) => {
      this.deps.log?.warn({ err, backupId: top.id }, 'catalog record not written');
    });
    if (settled.status === 'available')
      await this.oplogs.succeed(operationLogId, { incremental: settled.incremental });
    else await this.oplogs.fail(operationLogId, failCode, settled.failReason ?? 'The backup failed.');
    return { status: settled.status };
  }

  /**
   * A backup job ended without finishing (process stopped, or run threw): nothing may stay `protecting`.
   * Each unfinished disk is settled by what the object store holds, not by guess: a committed manifest means
   * the engine finished before the process died, so the disk is `available` with its real size; no manifest
   * means `error`, and whatever it had written is left to a gc queued for the vault.
   */
  async recoverBackupJob(job: Job<BackupJobPayload>, reason: string, error: string): Promise<'fail'> {
    const how = reason === 'interrupted' ? 'interrupted' : 'aborted';
    const top = await this.deps.repos.backups.getBackup(job.payload.backupId);
    let settled: Backup | null = null;
    if (top) {
      const ve = await this.deps
        .engine()
        ?.vault(top.vaultId)
        .catch(() => null);
      const disks = top.resourceKind === 'server' ? await this.deps.repos.backups.getChildren(top.id) : [top];
      let partial = false;
      for (const d of disks) {
        if (!isBackingUp(d.status)) continue;
        const found = await committedData(ve ?? null, d.engineBackupId);
        if (found.committed) {
          const base = found.committed.parentBackupId
            ? await this.deps.repos.backups.getBackup(found.committed.parentBackupId)
            : null;
          await this.deps.repos.backups.updateBackup(d.id, {
            status: 'available',
            progress: 100,
            protectedAt: this.deps.timestamp(),
            storedBytes: found.committed.storedBytes,
            volumeBytes: found.committed.volumeSize,
            resourceSizeGb: bytesToGb(found.committed.volumeSize),
            incremental: found.committed.parentBackupId !== null,
            baseBackupId: base?.id ?? null,
            failReason: null,
            updatedAt: this.deps.timestamp(),
          });
          continue;
        }
        partial = true;
        await this.failDisk(
          d,
          found.unknown
            ? `The backup was ${how} and whether its data was committed cannot be told (${found.unknown}): ${error}`
            : `The backup was ${how} before its data was committed to the vault: ${error}`,
        );
      }
      settled = await this.settle(top);
      await this.vaults.refreshUsage(top.vaultId).catch(() => undefined);
      // The chunks it had stored are garbage now: gc reclaims them once the dead run's lease is stale.
      if (partial && ve) await scheduleGc(this.deps, top.vaultId, followUpDelay(ve)).catch(() => undefined);
    }
    if (settled?.status === 'available') {
      await this.oplogs.succeed(job.payload.operationLogId, { incremental: settled.incremental });
    } else {
      await this.oplogs.fail(job.payload.operationLogId, 'BackupService.6215', settled?.failReason ?? error);
    }
    return 'fail';
  }

  private async failDisk(d: Backup, reason: string): Promise<void> {
    await this.deps.repos.backups.updateBackup(d.id, {
      status: 'error',
      failReason: reason,
      progress: null,
      updatedAt: this.deps.timestamp(),
    });
  }

  /** Derives a server backup's status from its children, then the checkpoint's and the resource's. */
  private async settle(top: Backup): Promise<Backup> {
    // One transaction: the server backup, its checkpoint and its resource agree at every commit.
    return this.deps.uow.run(async (r) => {
      let cur = (await r.backups.getBackup(top.id))!;
      if (cur.resourceKind === 'server') {
        const children = await r.backups.getChildren(cur.id);
        const status = serverStatusOf(children.map((c) => c.status));
        const failed = children.filter((c) => c.status === 'error').map((c) => c.failReason);
        await r.backups.updateBackup(cur.id, {
          status,
          progress: status === 'available' ? 100 : null,
          protectedAt: status === 'available' ? this.deps.timestamp() : null,
          storedBytes: children.reduce((a, c) => a + c.storedBytes, 0),
          volumeBytes: children.reduce((a, c) => a + c.volumeBytes, 0),
          resourceSizeGb: children.reduce((a, c) => a + c.resourceSizeGb, 0),
          incremental: children.length > 0 && children.every((c) => c.incremental),
          failReason: failed.length > 0 ? failed.join('; ') : null,
          updatedAt: this.deps.timestamp(),
        });
        cur = (await r.backups.getBackup(top.id))!;
      }
      const c = await r.checkpoints.getCheckpoint(cur.projectId, cur.checkpointId);
      if (c) {
        const topLevel = await r.backups.topBackupsOfCheckpoint(c.id);
        // Backup count and size per resource as the vault now holds them (this run included).
        const vault = await r.vaults.getVault(c.projectId, c.vaultId);
        const resources: CheckpointResource[] = c.resources.map((res) => {
          const b = topLevel.find((x) => x.resourceId === res.id);
          const held = vault?.resources.find((x) => x.id === res.id);
          const counts = held ? { backupCount: held.backupCount, backupBytes: held.backupBytes } : {};
          return b
            ? {
                ...res,
                ...counts,
                protectStatus:
                  b.status === 'error' ? 'error' : b.status === 'protecting' ? 'protecting' : 'available',
              }
            : res;
        });
        await r.checkpoints.updateCheckpoint(c.id, {
          status: checkpointStatusOf(topLevel.map((b) => b.status)),
          resources,
          updatedAt: this.deps.timestamp(),
        });
      }
      await r.vaults.setResourceProtectStatus(
        cur.vaultId,
        cur.resourceId,
        cur.status === 'error' ? 'error' : 'available',
      );
      return cur;
    });
  }
}

/** What the object store holds of an engine backup: its committed manifest, none, or a failure to tell. */
async function committedData(
  ve: VaultEnginePort | null,
  engineBackupId: string | null,
): Promise<{ committed?: Awaited<ReturnType<VaultEnginePort['getBackup']>>; unknown?: string }> {
  if (!engineBackupId) return {};
  if (!ve) return { unknown: 'the backup engine is not running' };
  try {
    return { committed: await ve.getBackup(engineBackupId) };
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return {};
    return { unknown: errorText(err) };
  }
}
