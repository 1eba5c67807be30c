// Inventory domain objects and verify operation logs → opencbr wire shapes.
import type { OperationLog } from '../../domain/cbr-model.js';
import { providerIdOf } from '../../domain/cbr-rules.js';
import type { Server, Volume } from '../../domain/inventory.js';
import { resourceTypeOf } from '../../domain/resource-types.js';
import type { VerifyResult } from '../../services/verify.js';

const GiB = 1024 ** 3;

export function volumeView(v: Volume) {
  return {
    id: v.id,
    project_id: v.projectId,
    name: v.name,
    description: v.description,
    path: v.path,
    size: v.size,
    size_gb: Math.ceil(v.size / GiB),
    type: v.kind,
    availability_zone: v.availabilityZone,
    status: v.serverId ? 'in-use' : 'available',
    server_id: v.serverId,
    bootable: v.position === 0,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

export function serverView(s: Server) {
  return {
    id: s.id,
    project_id: s.projectId,
    name: s.name,
    description: s.description,
    availability_zone: s.availabilityZone,
    status: 'ACTIVE',
    volume_ids: s.volumes.map((v) => v.id),
    volumes: s.volumes.map(volumeView),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** A verify operation log in CBR's ShowOpLog shape; `result` is what the finished job found. */
export function verifyOplogView(o: OperationLog, result: VerifyResult | null) {
  return {
    id: o.id,
    project_id: o.projectId,
    created_at: oplogTime(o.createdAt),
    started_at: oplogTime(o.startedAt),
    updated_at: oplogTime(o.updatedAt),
    ended_at: o.endedAt === null ? null : oplogTime(o.endedAt),
    status: o.status,
    operation_type: 'verify' as const,
    checkpoint_id: o.checkpointId,
    policy_id: null,
    provider_id: providerIdOf(o.providerKind),
    vault_id: o.vaultId,
    vault_name: o.vaultName,
    error_info: { code: o.errorCode, message: o.errorMessage },
    extra_info: {
      common: { progress: o.progress, request_id: o.requestId ?? o.id, task_id: o.id },
      resource: {
        id: o.resourceId,
        type: resourceTypeOf(o.providerKind),
        name: o.resourceName,
      },
      verify: {
        backup_id: o.backupId,
        backup_name: o.backupName,
        total_bytes: result?.totalBytes ?? null,
        verified_bytes: result?.verifiedBytes ?? null,
        summary: result?.summary ?? null,
        disks: (result?.disks ?? []).map((d) => ({
          backup_id: d.backupId,
          resource_id: d.resourceId,
          resource_name: d.resourceName,
          volume_bytes: d.volumeBytes,
          verified_bytes: d.verifiedBytes,
          bad_regions: d.badRegions,
          damaged_objects: d.damagedObjects,
          error: d.error,
        })),
      },
    },
  };
}

/** Operation-log timestamps as CBR writes them: `2020-02-23T01:00:32Z`. */
function oplogTime(ts: string): string {
  return `${ts.slice(0, 19)}Z`;
}
