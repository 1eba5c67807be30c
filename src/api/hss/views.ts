// Maps the shared catalog (CBR backups, vaults, policies, operation logs) and the HSS tables to HSS wire shapes.
import type { Backup, OperationLog, Vault } from '../../domain/cbr-model.js';
import type { Policy } from '../../domain/policy.js';
import { resourceTypeOf } from '../../domain/resource-types.js';
import { epochMs, spacedSeconds } from '../../domain/timestamps.js';
import type { ProtectionPolicyRow } from '../../services/hss-records.js';
import type {
  BackCopy,
  BackupDetail,
  BackupPolicy,
  BackupResp,
  BackupVaultInfo,
  OperationDefinition,
  ProtectionPolicy,
  RestoreLog,
} from './schemas.js';

/** Seed 004 BackupResp: the per-disk backup, without timestamps. */
export function backupResp(b: Backup): BackupResp {
  return {
    id: b.id,
    name: b.name,
    image_type: b.imageType,
    vault_id: b.vaultId,
    status: b.status,
    resource_size: b.resourceSizeGb,
    resource_id: b.resourceId,
    resource_type: resourceTypeOf(b.resourceKind),
    resource_name: b.resourceName,
  };
}

/** Seed 004 Table 4, flat; `children` are the per-disk backups (empty list for a disk backup). */
export function backupDetail(b: Backup, children: Backup[]): BackupDetail {
  return {
    id: b.id,
    name: b.name,
    image_type: b.imageType,
    vault_id: b.vaultId,
    created_at: epochMs(b.createdAt),
    status: b.status,
    resource_size: b.resourceSizeGb,
    resource_id: b.resourceId,
    resource_type: resourceTypeOf(b.resourceKind),
    resource_name: b.resourceName,
    children: children.map(backupResp),
  };
}

export function backCopy(b: Backup): BackCopy {
  return {
    backup_id: b.id,
    backup_name: b.name,
    backup_status: b.status,
    create_time: epochMs(b.createdAt),
    // opencbr keeps no images made from backups.
    os_images_data: [],
    // 0 = periodic/manual backup; opencbr takes no backups in reaction to detected encryption.
    backup_tag: 0,
  };
}

/** A CBR backup policy as HSS shows it (HSS's operation definition has no full_backup_interval). */
export function backupPolicy(p: Policy): BackupPolicy {
  const { full_backup_interval: _cbrOnly, ...definition } = p.definition;
  return {
    enabled: p.enabled,
    id: p.id,
    name: p.name,
    operation_type: 'backup',
    operation_definition: definition as OperationDefinition,
    trigger: {
      id: p.triggerId,
      name: `trigger_${p.triggerId.slice(0, 8)}`,
      type: 'time',
      properties: { pattern: [...p.patterns], start_time: spacedSeconds(p.createdAt) },
    },
  };
}

export function vaultInfo(v: Vault, policy: Policy | null): BackupVaultInfo {
  return {
    vault_id: v.id,
    vault_name: v.name,
    vault_size: v.sizeGb,
    vault_used: v.usedBytes <= 0 ? 0 : Math.ceil(v.usedBytes / 1024 ** 2),
    vault_allocated: v.resources.reduce((a, r) => a + r.sizeGb, 0),
    vault_charging_mode: v.chargingMode,
    vault_status: v.status,
    backup_policy_id: policy?.id ?? '',
    backup_policy_name: policy?.name ?? '',
    backup_policy_enabled: policy?.enabled ?? false,
    resources_num: v.resources.length,
  };
}

export function restoreLog(o: OperationLog): RestoreLog {
  return {
    host_id: o.targetResourceId ?? o.resourceId,
    host_name: o.targetResourceName ?? o.resourceName,
    backup_name: o.backupName,
    process: o.progress,
    status: o.status,
    started_at: spacedSeconds(o.startedAt),
    ended_at: spacedSeconds(o.endedAt),
    error_info: { code: o.errorCode ?? '', message: o.errorMessage ?? '' },
  };
}

export function protectionPolicy(p: ProtectionPolicyRow, associated: number): ProtectionPolicy {
  return {
    policy_id: p.id,
    policy_name: p.policy_name,
    protection_mode: p.protection_mode,
    bait_protection_status: p.bait_protection_status,
    deploy_mode: p.deploy_mode,
    protection_directory: p.protection_directory,
    protection_type: p.protection_type,
    exclude_directory: p.exclude_directory,
    runtime_detection_status: p.runtime_detection_status,
    runtime_detection_directory: p.runtime_detection_directory,
    count_associated_server: associated,
    operating_system: p.operating_system,
    process_whitelist: JSON.parse(p.process_whitelist_json) as Array<{ path: string; hash: string }>,
    default_policy: 0,
    ai_protection_status: p.ai_protection_status,
  };
}
