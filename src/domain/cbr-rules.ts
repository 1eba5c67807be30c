// Rules of the backup lifecycle: which backups may be restored or deleted, how a checkpoint's status follows
// from its backups. Plain functions, no I/O.
import { isBackingUp } from './backup-status.js';
import type { Backup, BackupStatus, CheckpointStatus, ResourceKind, Vault } from './cbr-model.js';

export function canRestore(b: Pick<Backup, 'status'>): boolean {
  return b.status === 'available';
}

export function canDelete(b: Pick<Backup, 'status'>): boolean {
  return b.status === 'available' || b.status === 'error';
}

/** Status a checkpoint shows, derived from its top-level backups. */
export function checkpointStatusOf(statuses: BackupStatus[]): CheckpointStatus {
  if (statuses.length === 0) return 'error';
  if (statuses.some(isBackingUp)) return 'protecting';
  if (statuses.every((s) => s === 'error')) return 'error';
  return 'available';
}

/** The status a server backup takes from its disk children once they have all finished. */
export function serverStatusOf(children: BackupStatus[]): BackupStatus {
  if (children.some(isBackingUp)) return 'protecting';
  if (children.length === 0 || children.some((s) => s === 'error')) return 'error';
  return 'available';
}

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** Size in whole GB as CBR reports it (rounded up; a non-empty volume is at least 1 GB). */
export function bytesToGb(bytes: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / GIB);
}

/**
 * A resource's size in GB, the one rule for backups, checkpoints and vaults: a cloud disk has an integer
 * GB size, so each disk is rounded up on its own and a server's size is the sum of its disks' sizes.
 */
export function disksSizeGb(diskBytes: readonly number[]): number {
  return diskBytes.reduce((a, b) => a + bytesToGb(b), 0);
}

/** Vault usage in whole MB as CBR's billing.used reports it (rounded up). */
export function bytesToMb(bytes: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / MIB);
}

export const PROVIDER_SERVER = '0daac4c5-6707-4851-97ba-169e36266b66';
export const PROVIDER_DISK = 'd1603440-187d-4516-af25-121250c7cc97';

export function providerIdOf(kind: ResourceKind): string {
  return kind === 'server' ? PROVIDER_SERVER : PROVIDER_DISK;
}

/** The resource kind of a provider id, or null for an unknown one. */
export function kindOfProvider(id: string): ResourceKind | null {
  return id === PROVIDER_SERVER ? 'server' : id === PROVIDER_DISK ? 'volume' : null;
}

/**
 * The provider a backup shows: a server backup's per-disk children belong to the server backup
 * provider (seed ShowBackup example: the children carry `0daac4c5-…`), a standalone disk backup to the disk one.
 */
export function backupProviderId(b: { resourceKind: ResourceKind; parentId: string | null }): string {
  return b.parentId !== null ? PROVIDER_SERVER : providerIdOf(b.resourceKind);
}

/**
 * The fields a vault's maker must choose; everything else takes a new vault's defaults. Give optional fields a
 * value or leave them out: an explicit `undefined` would replace the default.
 */
export type NewVault = Pick<
  Vault,
  'id' | 'projectId' | 'userId' | 'name' | 'description' | 'objectType' | 'createdAt'
> &
  Partial<Vault>;

/** A vault record with the defaults of a vault created without options (backup, crash-consistent, post-paid). */
export function newVault(fields: NewVault): Vault {
  return {
    protectType: 'backup',
    consistentLevel: 'crash_consistent',
    chargingMode: 'post_paid',
    sizeGb: 10485760,
    usedBytes: 0,
    status: 'available',
    enterpriseProjectId: '0',
    backupPolicyId: null,
    autoBind: false,
    autoExpand: false,
    smnNotify: true,
    threshold: 80,
    locked: false,
    availabilityZone: null,
    updatedAt: fields.createdAt,
    resources: [],
    tags: [],
    bindRules: [],
    ...fields,
  };
}

// The services take the canonical timestamp from the lifecycle rules; it is defined with the other time forms.
export { microsToTimestamp, nowTimestamp, parseFilterTime } from './timestamps.js';
