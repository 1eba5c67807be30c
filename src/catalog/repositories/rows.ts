// Row <-> domain conversions of the CBR tables, shared by the repositories (and by Cinder's store, which
// reads backup rows joined with its own).
import type {
  Backup,
  BackupStatus,
  Checkpoint,
  CheckpointResource,
  OperationLog,
  ResourceKind,
  SkippedResource,
  Vault,
  VaultResource,
} from '../../domain/cbr-model.js';
import type {
  CbrBackupsTable,
  CbrCheckpointsTable,
  CbrOperationLogsTable,
  CbrVaultResourcesTable,
  CbrVaultsTable,
} from '../cbr-schema.js';

export const b01 = (v: boolean): number => (v ? 1 : 0);
export const num = (v: number | string | null | undefined): number => (v == null ? 0 : Number(v));

type BackupRow = CbrBackupsTable;

export function vaultToRow(v: Vault): CbrVaultsTable {
  return {
    id: v.id,
    project_id: v.projectId,
    user_id: v.userId,
    name: v.name,
    description: v.description,
    object_type: v.objectType,
    protect_type: v.protectType,
    consistent_level: v.consistentLevel,
    charging_mode: v.chargingMode,
    size_gb: v.sizeGb,
    used_bytes: v.usedBytes,
    status: v.status,
    enterprise_project_id: v.enterpriseProjectId,
    backup_policy_id: v.backupPolicyId,
    auto_bind: b01(v.autoBind),
    auto_expand: b01(v.autoExpand),
    smn_notify: b01(v.smnNotify),
    threshold: v.threshold,
    locked: b01(v.locked),
    availability_zone: v.availabilityZone,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

export function rowToVault(r: CbrVaultsTable, resources: VaultResource[]): Vault {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    name: r.name,
    description: r.description,
    objectType: r.object_type as Vault['objectType'],
    protectType: r.protect_type as Vault['protectType'],
    consistentLevel: r.consistent_level as Vault['consistentLevel'],
    chargingMode: r.charging_mode as Vault['chargingMode'],
    sizeGb: r.size_gb,
    usedBytes: num(r.used_bytes),
    status: r.status as Vault['status'],
    enterpriseProjectId: r.enterprise_project_id,
    backupPolicyId: r.backup_policy_id,
    autoBind: r.auto_bind === 1,
    autoExpand: r.auto_expand === 1,
    smnNotify: r.smn_notify === 1,
    threshold: r.threshold,
    locked: r.locked === 1,
    availabilityZone: r.availability_zone,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resources,
    tags: [],
    bindRules: [],
  };
}

export function rowToResource(
  r: CbrVaultResourcesTable,
  backupCount: number,
  backupBytes: number,
): VaultResource {
  return {
    id: r.resource_id,
    kind: r.kind as ResourceKind,
    name: r.name,
    sizeGb: r.size_gb,
    protectStatus: r.protect_status as VaultResource['protectStatus'],
    excludeVolumes: JSON.parse(r.exclude_volumes) as string[],
    backupCount,
    backupBytes,
    suspended: r.suspended === 1,
  };
}

export function backupToRow(b: Backup): BackupRow {
  return {
    id: b.id,
    project_id: b.projectId,
    vault_id: b.vaultId,
    checkpoint_id: b.checkpointId,
    parent_id: b.parentId,
    name: b.name,
    description: b.description,
    image_type: b.imageType,
    status: b.status,
    resource_id: b.resourceId,
    resource_kind: b.resourceKind,
    resource_name: b.resourceName,
    resource_size_gb: b.resourceSizeGb,
    resource_az: b.resourceAz,
    enterprise_project_id: b.enterpriseProjectId,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    protected_at: b.protectedAt ?? '',
    expired_at: b.expiredAt,
    incremental: b01(b.incremental),
    auto_trigger: b01(b.autoTrigger),
    bootable: b01(b.bootable),
    system_disk: b01(b.systemDisk),
    encrypted: b01(b.encrypted),
    disk_index: b.diskIndex,
    progress: b.progress,
    fail_reason: b.failReason,
    volume_bytes: b.volumeBytes,
    stored_bytes: b.storedBytes,
    engine_backup_id: b.engineBackupId,
    base_backup_id: b.baseBackupId,
    user_id: b.userId ?? null,
  };
}

export function rowToBackup(r: BackupRow): Backup {
  return {
    id: r.id,
    projectId: r.project_id,
    vaultId: r.vault_id,
    checkpointId: r.checkpoint_id,
    parentId: r.parent_id,
    name: r.name,
    description: r.description,
    imageType: r.image_type as Backup['imageType'],
    status: r.status as BackupStatus,
    resourceId: r.resource_id,
    resourceKind: r.resource_kind as ResourceKind,
    resourceName: r.resource_name,
    resourceSizeGb: r.resource_size_gb,
    resourceAz: r.resource_az,
    enterpriseProjectId: r.enterprise_project_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    protectedAt: r.protected_at === '' ? null : r.protected_at,
    expiredAt: r.expired_at,
    incremental: r.incremental === 1,
    autoTrigger: r.auto_trigger === 1,
    bootable: r.bootable === 1,
    systemDisk: r.system_disk === 1,
    encrypted: r.encrypted === 1,
    diskIndex: r.disk_index,
    progress: r.progress,
    failReason: r.fail_reason,
    volumeBytes: num(r.volume_bytes),
    storedBytes: num(r.stored_bytes),
    engineBackupId: r.engine_backup_id,
    baseBackupId: r.base_backup_id,
    userId: r.user_id ?? null,
  };
}

export function oplogToRow(o: OperationLog): CbrOperationLogsTable {
  return {
    id: o.id,
    project_id: o.projectId,
    operation_type: o.operationType,
    status: o.status,
    created_at: o.createdAt,
    started_at: o.startedAt,
    updated_at: o.updatedAt,
    ended_at: o.endedAt,
    checkpoint_id: o.checkpointId,
    vault_id: o.vaultId,
    vault_name: o.vaultName,
    provider_kind: o.providerKind,
    resource_id: o.resourceId,
    resource_name: o.resourceName,
    backup_id: o.backupId,
    backup_name: o.backupName,
    incremental: o.incremental === null ? null : b01(o.incremental),
    target_resource_id: o.targetResourceId,
    target_resource_name: o.targetResourceName,
    progress: o.progress,
    error_code: o.errorCode,
    error_message: o.errorMessage,
    policy_id: o.policyId,
    request_id: o.requestId ?? null,
  };
}

export function rowToOplog(r: CbrOperationLogsTable): OperationLog {
  return {
    id: r.id,
    projectId: r.project_id,
    operationType: r.operation_type as OperationLog['operationType'],
    status: r.status as OperationLog['status'],
    createdAt: r.created_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
    checkpointId: r.checkpoint_id,
    vaultId: r.vault_id,
    vaultName: r.vault_name,
    providerKind: r.provider_kind as ResourceKind,
    resourceId: r.resource_id,
    resourceName: r.resource_name,
    backupId: r.backup_id,
    backupName: r.backup_name,
    incremental: r.incremental === null ? null : r.incremental === 1,
    targetResourceId: r.target_resource_id,
    targetResourceName: r.target_resource_name,
    progress: r.progress,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    policyId: r.policy_id ?? null,
    requestId: r.request_id ?? null,
  };
}

export function checkpointToRow(c: Checkpoint): CbrCheckpointsTable {
  return {
    id: c.id,
    project_id: c.projectId,
    vault_id: c.vaultId,
    vault_name: c.vaultName,
    status: c.status,
    name: c.name,
    description: c.description,
    incremental: b01(c.incremental),
    auto_trigger: b01(c.autoTrigger),
    retention_days: c.retentionDays,
    resources_json: JSON.stringify(c.resources),
    skipped_json: JSON.stringify(c.skipped),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function rowToCheckpoint(r: CbrCheckpointsTable): Checkpoint {
  return {
    id: r.id,
    projectId: r.project_id,
    vaultId: r.vault_id,
    vaultName: r.vault_name,
    status: r.status as Checkpoint['status'],
    name: r.name,
    description: r.description,
    incremental: r.incremental === 1,
    autoTrigger: r.auto_trigger === 1,
    retentionDays: r.retention_days,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resources: JSON.parse(r.resources_json) as CheckpointResource[],
    skipped: JSON.parse(r.skipped_json) as SkippedResource[],
  };
}
