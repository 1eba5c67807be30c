// Domain → CBR wire. The only place where camelCase becomes the protocol's snake_case.
import type { Static } from '@fastify/type-provider-typebox';
import type { Backup, Checkpoint, OperationLog, Vault } from '../../domain/cbr-model.js';
import { backupProviderId, bytesToGb, bytesToMb, disksSizeGb, providerIdOf } from '../../domain/cbr-rules.js';
import type { Volume } from '../../domain/inventory.js';
import { resourceTypeOf } from '../../domain/resource-types.js';
import { secondsZ, zonelessMicros } from '../../domain/timestamps.js';
import { type Protectable, isServer, protectableStatus } from '../../services/protectables.js';
import type {
  BackupResp,
  CheckpointCreate,
  OperationLogResp,
  ProtectableResp,
  VaultResp,
} from './schemas.js';

/** CBR backup timestamps: `2020-02-05T10:38:34.209782` (UTC, no zone). */
export const backupTime = zonelessMicros;

/** Operation-log timestamps: `2020-02-23T01:00:32Z`. */
const oplogTime = secondsZ;

type BackupWire = Static<typeof BackupResp>;

export function backupToWire(b: Backup, children: Backup[] = []): BackupWire {
  const server = b.resourceKind === 'server';
  return {
    checkpoint_id: b.checkpointId,
    created_at: backupTime(b.createdAt),
    description: b.description,
    expired_at: backupTime(b.expiredAt),
    extend_info: {
      auto_trigger: b.autoTrigger,
      bootable: server ? null : b.bootable,
      incremental: b.incremental,
      snapshot_id: null,
      support_lld: false,
      supported_restore_mode: b.status === 'available' ? 'backup' : 'na',
      os_images_data: null,
      contain_system_disk: server ? children.some((c) => c.systemDisk) || b.systemDisk : null,
      encrypted: b.encrypted,
      system_disk: server ? null : b.systemDisk,
      progress: b.progress,
      fail_reason: b.failReason,
    },
    id: b.id,
    image_type: b.imageType,
    name: b.name,
    parent_id: b.parentId,
    project_id: b.projectId,
    protected_at: backupTime(b.protectedAt),
    resource_az: b.resourceAz,
    resource_id: b.resourceId,
    resource_name: b.resourceName,
    resource_size: b.resourceSizeGb,
    resource_type: resourceTypeOf(b.resourceKind),
    status: b.status,
    updated_at: backupTime(b.updatedAt),
    vault_id: b.vaultId,
    provider_id: backupProviderId(b),
    enterprise_project_id: b.enterpriseProjectId,
    replication_records: [],
    incremental: b.incremental,
    children: children.map((c) => backupToWire(c)) as BackupWire['children'],
  };
}

export function checkpointToWire(c: Checkpoint): Static<typeof CheckpointCreate> {
  return {
    created_at: backupTime(c.createdAt),
    id: c.id,
    project_id: c.projectId,
    status: c.status,
    vault: {
      id: c.vaultId,
      name: c.vaultName,
      resources: c.resources.map((r) => ({
        extra_info: null,
        id: r.id,
        name: r.name,
        protect_status: r.protectStatus,
        resource_size: String(r.sizeGb),
        type: resourceTypeOf(r.kind),
        backup_size: String(r.backupBytes),
        backup_count: String(r.backupCount),
      })),
      skipped_resources: c.skipped.map((s) => ({
        id: s.id,
        type: s.kind ? resourceTypeOf(s.kind) : null,
        name: s.name,
        code: s.code,
        reason: s.reason,
      })),
    },
    extra_info: { name: c.name, description: c.description, retention_duration: c.retentionDays },
  };
}

export function vaultToWire(v: Vault): Static<typeof VaultResp> {
  const server = v.objectType === 'server';
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    project_id: v.projectId,
    provider_id: providerIdOf(server ? 'server' : 'volume'),
    billing: {
      allocated: v.resources.reduce((a, r) => a + r.sizeGb, 0),
      charging_mode: v.chargingMode,
      cloud_type: 'public',
      consistent_level: v.consistentLevel,
      object_type: v.objectType,
      order_id: null,
      product_id: null,
      protect_type: v.protectType,
      size: v.sizeGb,
      spec_code:
        v.protectType === 'replication'
          ? 'vault.replication.server.normal'
          : server
            ? 'vault.backup.server.normal'
            : 'vault.backup.volume.normal',
      status: v.status,
      storage_unit: null,
      used: bytesToMb(v.usedBytes),
      frozen_scene: null,
      is_multi_az: false,
    },
    resources: v.resources.map((r) => ({
      id: r.id,
      name: r.name,
      type: resourceTypeOf(r.kind),
      protect_status: r.protectStatus,
      size: r.sizeGb,
      backup_size: r.backupBytes,
      backup_count: r.backupCount,
      extra_info: { exclude_volumes: r.excludeVolumes },
      auto_protect: false,
    })),
    tags: v.tags.map((t) => ({ key: t.key, value: t.value })),
    enterprise_project_id: v.enterpriseProjectId,
    auto_bind: v.autoBind,
    bind_rules:
      v.bindRules.length > 0 ? { tags: v.bindRules.map((t) => ({ key: t.key, value: t.value })) } : {},
    user_id: v.userId,
    created_at: backupTime(v.createdAt),
    updated_at: backupTime(v.updatedAt),
    auto_expand: v.autoExpand,
    smn_notify: v.smnNotify,
    threshold: v.threshold,
    sys_lock_source_service: null,
    locked: v.locked,
    availability_zone: v.availabilityZone,
    backup_policy_id: v.backupPolicyId,
  };
}

export function oplogToWire(o: OperationLog): Static<typeof OperationLogResp> {
  const extra: Static<typeof OperationLogResp>['extra_info'] = {
    common: { progress: o.progress, request_id: o.requestId ?? o.id, task_id: o.id },
    resource: { id: o.resourceId, type: resourceTypeOf(o.providerKind), name: o.resourceName },
  };
  if (o.operationType === 'backup') {
    extra.backup = {
      backup_id: o.backupId,
      backup_name: o.backupName,
      incremental: o.incremental === null ? null : String(o.incremental),
      app_consistency_status: '0',
      app_consistency_error_code: '0',
      app_consistency_error_message: '',
    };
  } else if (o.operationType === 'restore') {
    extra.restore = {
      backup_id: o.backupId,
      backup_name: o.backupName,
      target_resource_id: o.targetResourceId,
      target_resource_name: o.targetResourceName,
    };
  } else if (o.operationType === 'delete') {
    extra.delete = { backup_id: o.backupId, backup_name: o.backupName };
  }
  return {
    id: o.id,
    project_id: o.projectId,
    created_at: oplogTime(o.createdAt),
    started_at: oplogTime(o.startedAt),
    updated_at: oplogTime(o.updatedAt),
    ended_at: oplogTime(o.endedAt),
    status: o.status,
    operation_type: o.operationType,
    checkpoint_id: o.checkpointId,
    policy_id: o.policyId,
    provider_id: providerIdOf(o.providerKind),
    vault_id: o.vaultId,
    vault_name: o.vaultName,
    error_info: { code: o.errorCode, message: o.errorMessage },
    extra_info: extra,
  };
}

function protectableVolume(v: Volume): Omit<Static<typeof ProtectableResp>, 'protectable'> {
  return {
    id: v.id,
    name: v.name,
    type: resourceTypeOf('volume'),
    status: protectableStatus(v),
    size: bytesToGb(v.size),
    detail: { path: v.path, bootable: v.position === 0, availability_zone: v.availabilityZone },
    children: [],
  };
}

export function protectableToWire(p: Protectable): Static<typeof ProtectableResp> {
  const x = p.resource;
  const base = isServer(x)
    ? {
        id: x.id,
        name: x.name,
        type: resourceTypeOf('server'),
        status: p.status,
        // The one size rule: a server is the sum of its disks, each rounded up to whole GB.
        size: disksSizeGb(x.volumes.map((v) => v.size)),
        detail: { availability_zone: x.availabilityZone },
        children: x.volumes.map(protectableVolume),
      }
    : protectableVolume(x);
  return {
    ...base,
    protectable: p.vault
      ? {
          result: false,
          code: 'BackupService.6103',
          reason: 'The resource has been associated with a vault.',
          message: `The resource is in vault ${p.vault.name}.`,
          vault: { id: p.vault.id, name: p.vault.name },
        }
      : { result: true, code: null, reason: null, message: null, vault: null },
  };
}
