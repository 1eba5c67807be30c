// import_record: re-registers an exported backup whose catalog entry is gone (catalog lost, or a new
// opencbr over the same object store), pointing at the engine data that is still in the vault. Only
// data that is really there can be imported: the engine's own listing of the vault is checked.
import type { Backup, Checkpoint, Vault } from '../domain/cbr-model.js';
import { newVault } from '../domain/cbr-rules.js';
import type { CinderCaller } from './cinder-backups.js';
import { invalidBackup } from './cinder-errors.js';
import type { ProtocolDeps } from './protocol-deps.js';

/** An exported backup record, decoded and checked (the Cinder API's record.ts encodes and decodes it). */
export interface BackupRecordV1 {
  format: 'opencbr-backup-record';
  version: 1;
  backup: {
    id: string;
    vault_id: string;
    vault_name: string;
    engine_backup_id: string;
    base_backup_id: string | null;
    name: string;
    description: string | null;
    volume_id: string;
    volume_name: string;
    volume_bytes: number;
    resource_size_gb: number;
    availability_zone: string | null;
    incremental: boolean;
    stored_bytes: number;
    created_at: string;
    protected_at: string | null;
    container: string | null;
    snapshot_id: string | null;
    metadata: Record<string, string>;
  };
}

export async function importRecord(
  deps: ProtocolDeps,
  caller: CinderCaller,
  rec: BackupRecordV1,
): Promise<Backup> {
  const r = rec.backup;
  if (await deps.cbr.backups.getBackup(r.id)) throw invalidBackup('Backup already exists in database.');
  const owner = await deps.cinder.vaultProject(r.vault_id);
  if (owner !== null && owner !== caller.projectId) {
    throw invalidBackup(`the record's vault ${r.vault_id} belongs to another project.`);
  }
  const engine = deps.engine();
  if (!engine) throw invalidBackup('the backup engine is not running, the record cannot be checked.');
  const listed = await (await engine.vault(r.vault_id)).listBackups();
  if (!listed.some((b) => b.backupId === r.engine_backup_id)) {
    throw invalidBackup(`the data of backup ${r.id} is not in vault ${r.vault_id}.`);
  }
  const now = deps.timestamp();
  let vault: Vault | null = await deps.cbr.vaults.getVault(caller.projectId, r.vault_id);
  if (vault && vault.objectType !== 'disk') {
    throw invalidBackup(
      `vault ${vault.id} holds server backups; a volume backup cannot be registered in it.`,
    );
  }
  const createVault = !vault;
  if (!vault) {
    vault = newVault({
      id: r.vault_id,
      projectId: caller.projectId,
      userId: caller.userId,
      name: r.vault_name,
      description: 'Re-created by a Cinder backup import',
      objectType: 'disk',
      createdAt: now,
    });
  }
  const checkpoint: Checkpoint = {
    id: crypto.randomUUID(),
    projectId: caller.projectId,
    vaultId: vault.id,
    vaultName: vault.name,
    status: 'available',
    name: r.name,
    description: r.description,
    incremental: r.incremental,
    autoTrigger: false,
    retentionDays: -1,
    createdAt: r.created_at,
    updatedAt: now,
    resources: [
      {
        id: r.volume_id,
        kind: 'volume',
        name: r.volume_name,
        sizeGb: r.resource_size_gb,
        protectStatus: 'available',
        backupCount: 1,
        backupBytes: r.stored_bytes,
      },
    ],
    skipped: [],
  };
  const backup: Backup = {
    id: r.id,
    projectId: caller.projectId,
    vaultId: vault.id,
    checkpointId: checkpoint.id,
    parentId: null,
    name: r.name,
    description: r.description,
    imageType: 'backup',
    status: 'available',
    resourceId: r.volume_id,
    resourceKind: 'volume',
    resourceName: r.volume_name,
    resourceSizeGb: r.resource_size_gb,
    resourceAz: r.availability_zone,
    enterpriseProjectId: vault.enterpriseProjectId,
    createdAt: r.created_at,
    updatedAt: now,
    protectedAt: r.protected_at,
    expiredAt: null,
    incremental: r.incremental,
    autoTrigger: false,
    bootable: false,
    systemDisk: false,
    encrypted: true,
    diskIndex: 0,
    progress: 100,
    failReason: null,
    volumeBytes: r.volume_bytes,
    storedBytes: r.stored_bytes,
    engineBackupId: r.engine_backup_id,
    baseBackupId: r.base_backup_id,
    userId: caller.userId,
  };
  // Recorded by the backup service: only services and the catalog write CBR's tables.
  await deps.backups.importRecord({ vault, createVault, checkpoint, backup });
  await deps.cinder.put({
    backupId: backup.id,
    projectId: caller.projectId,
    userId: caller.userId,
    container: r.container,
    metadata: r.metadata,
    snapshotId: r.snapshot_id,
    requestedIncremental: r.incremental,
    imported: true,
    createdAt: now,
    updatedAt: now,
  });
  return backup;
}
