// Maps the shared catalog's backups and inventory volumes to Cinder's wire shapes (cinder/api/views/backups.py).
import { cinderStatusOf } from '../../domain/backup-status.js';
import type { Backup } from '../../domain/cbr-model.js';
import { bytesToGb } from '../../domain/cbr-rules.js';
import { zonelessMicros } from '../../domain/timestamps.js';
import type { CinderBackupView, CinderExtra } from '../../services/cinder-backups.js';
import { type Microversion, atLeast } from './microversion.js';
import type { BackupDetail, BackupSummary, Link, VolumeDetail } from './schemas.js';

export type { CinderExtra };
export type BackupViewInput = CinderBackupView;

/** Cinder shows a backup created without a name as `name: null` (until it is renamed). */
export function displayName(
  b: Pick<Backup, 'name'>,
  extra: Pick<CinderExtra, 'generatedName'> | null,
): string | null {
  return extra?.generatedName && b.name === extra.generatedName ? null : b.name;
}

/** Canonical timestamp → Cinder's zone-less `2020-02-05T10:38:34.209782` (null for none). */
export function cinderTime(ts: string | null): string | null {
  return ts === null || ts === '' ? null : zonelessMicros(ts);
}

export interface LinkBase {
  /** e.g. http://host:port/volume (no trailing slash) */
  root: string;
  projectId: string;
}

export function links(base: LinkBase, collection: string, id: string): Link[] {
  return [
    { href: `${base.root}/v3/${base.projectId}/${collection}/${id}`, rel: 'self' },
    { href: `${base.root}/${base.projectId}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

export function backupSummary(
  b: Pick<Backup, 'id' | 'name'>,
  base: LinkBase,
  v: Microversion,
  metadata?: Record<string, string>,
  extra: Pick<CinderExtra, 'generatedName'> | null = null,
): BackupSummary {
  const out: BackupSummary = { id: b.id, name: displayName(b, extra), links: links(base, 'backups', b.id) };
  if (metadata !== undefined && atLeast(v, '3.43')) out.metadata = metadata;
  return out;
}

export function backupDetail(input: BackupViewInput, base: LinkBase, v: Microversion): BackupDetail {
  const { backup: b, extra } = input;
  const created = cinderTime(b.createdAt)!;
  const out: BackupDetail = {
    id: b.id,
    name: displayName(b, extra),
    description: b.description,
    status: cinderStatusOf(b.status),
    size: b.resourceSizeGb > 0 ? b.resourceSizeGb : bytesToGb(b.volumeBytes),
    object_count: input.objectCount,
    availability_zone: b.resourceAz,
    container: input.vaultName ?? extra?.container ?? null,
    created_at: created,
    updated_at: cinderTime(b.updatedAt),
    data_timestamp: created,
    fail_reason: b.failReason,
    volume_id: b.resourceId,
    snapshot_id: extra?.snapshotId ?? null,
    is_incremental: b.incremental,
    has_dependent_backups: input.hasDependents,
    links: links(base, 'backups', b.id),
    // VBS (seed 001) returns the owner at every version; upstream gates it at 3.18 behind a policy.
    // Seed 001's table names the attribute `…:tenant_id`, its example `…:project_id`: both are emitted.
    'os-backup-project-attr:project_id': b.projectId,
    'os-backup-project-attr:tenant_id': b.projectId,
  };
  if (atLeast(v, '3.43')) out.metadata = extra?.metadata ?? {};
  // The creator whatever protocol made the backup (CBR, HSS, Cinder); older rows: the vault's creator.
  if (atLeast(v, '3.56')) out.user_id = extra?.userId ?? b.userId ?? input.vaultUserId ?? null;
  // 3.64 encryption_key_id: opencbr encrypts every backup with the vault key, not a per-volume Barbican
  // key, so there is no per-volume key id to report and Cinder omits the field in that case.
  return out;
}

/** Inventory volume, as the volumes API needs it. */
export interface VolumeViewInput {
  id: string;
  projectId: string;
  name: string;
  description: string;
  sizeBytes: number;
  availabilityZone: string;
  createdAt: string;
  updatedAt: string;
  status: string;
  /** Servers the volume is attached to, with its position (0 = system disk). */
  attachments: Array<{ serverId: string; position: number; attachedAt: string }>;
}

export function volumeDetail(vol: VolumeViewInput, base: LinkBase, v: Microversion): VolumeDetail {
  const out: VolumeDetail = {
    id: vol.id,
    name: vol.name,
    description: vol.description === '' ? null : vol.description,
    status: vol.status,
    size: bytesToGb(vol.sizeBytes),
    availability_zone: vol.availabilityZone,
    created_at: cinderTime(vol.createdAt)!,
    updated_at: cinderTime(vol.updatedAt),
    attachments: vol.attachments.map((a) => ({
      id: vol.id,
      attachment_id: `${a.serverId}-${vol.id}`.slice(0, 36),
      volume_id: vol.id,
      server_id: a.serverId,
      host_name: null,
      device: `/dev/vd${String.fromCharCode(97 + Math.min(a.position, 25))}`,
      attached_at: cinderTime(a.attachedAt)!,
    })),
    bootable: vol.attachments.some((a) => a.position === 0) ? 'true' : 'false',
    encrypted: false,
    multiattach: false,
    metadata: {},
    volume_type: null,
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    replication_status: null,
    user_id: null,
    links: links(base, 'volumes', vol.id),
    'os-vol-tenant-attr:tenant_id': vol.projectId,
  };
  if (atLeast(v, '3.47')) out.backup_id = null;
  if (atLeast(v, '3.48')) {
    out.shared_targets = false;
    out.service_uuid = null;
  }
  if (atLeast(v, '3.63')) out.volume_type_id = null;
  if (atLeast(v, '3.65')) out.consumes_quota = true;
  if (atLeast(v, '3.69')) {
    out.cluster_name = null;
    out.provider_id = null;
    out.group_id = null;
  }
  return out;
}
