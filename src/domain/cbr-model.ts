// Domain model of vaults, checkpoints, backups and operation logs: plain camelCase types, no I/O.
// Wire names live only in src/api/*; mappers convert from these.
import type { Tag } from './tags.js';

export type ResourceKind = 'server' | 'volume';

export type BackupStatus =
  | 'available'
  | 'protecting'
  | 'deleting'
  | 'restoring'
  | 'error'
  | 'waiting_protect'
  | 'waiting_delete'
  | 'waiting_restore';

export const BACKUP_STATUSES: readonly BackupStatus[] = [
  'available',
  'protecting',
  'deleting',
  'restoring',
  'error',
  'waiting_protect',
  'waiting_delete',
  'waiting_restore',
];

export type CheckpointStatus =
  | 'available'
  | 'deleting'
  | 'protecting'
  | 'deleted'
  | 'error-deleting'
  | 'error';

export type ProtectStatus = 'available' | 'error' | 'protecting' | 'restoring' | 'removing';

export type VaultStatus = 'available' | 'lock' | 'frozen' | 'deleting' | 'error';

export type ObjectType = 'server' | 'disk';
export type ProtectType = 'backup' | 'replication';
export type ConsistentLevel = 'crash_consistent' | 'app_consistent';
export type ChargingMode = 'post_paid' | 'pre_paid';
export type ImageType = 'backup' | 'replication';

/** `verify` is opencbr's own (a backup read back and checked), shown by its /opencbr/v1 operation logs. */
/** `vault_threshold`: used space crossed the vault's `threshold` (opencbr's event; CBR has no such type). */
export type OperationType = 'backup' | 'restore' | 'delete' | 'vault_delete' | 'verify' | 'vault_threshold';
export type OperationStatus = 'success' | 'skipped' | 'failed' | 'running' | 'timeout' | 'waiting';

export interface VaultResource {
  id: string;
  kind: ResourceKind;
  name: string;
  sizeGb: number;
  protectStatus: ProtectStatus;
  /** Volume ids of a server that are not backed up. */
  excludeVolumes: string[];
  backupCount: number;
  backupBytes: number;
  /** Automatic (policy) backups skip the resource until it is unsuspended (SetVaultResource). */
  suspended?: boolean;
}

export interface Vault {
  id: string;
  projectId: string;
  userId: string | null;
  name: string;
  description: string | null;
  objectType: ObjectType;
  protectType: ProtectType;
  consistentLevel: ConsistentLevel;
  chargingMode: ChargingMode;
  sizeGb: number;
  /** Bytes the vault's backups occupy in the object store (after dedup and compression). */
  usedBytes: number;
  status: VaultStatus;
  enterpriseProjectId: string;
  backupPolicyId: string | null;
  autoBind: boolean;
  autoExpand: boolean;
  smnNotify: boolean;
  threshold: number;
  locked: boolean;
  availabilityZone: string | null;
  createdAt: string;
  updatedAt: string;
  resources: VaultResource[];
  tags: Tag[];
  /** auto_bind takes new or newly tagged resources carrying one of these tags (none: any resource). */
  bindRules: Tag[];
}

export interface CheckpointResource {
  id: string;
  kind: ResourceKind;
  name: string;
  sizeGb: number;
  protectStatus: ProtectStatus;
  backupCount: number;
  backupBytes: number;
}

export interface SkippedResource {
  id: string;
  kind: ResourceKind | null;
  name: string | null;
  code: string;
  reason: string;
}

export interface Checkpoint {
  id: string;
  projectId: string;
  vaultId: string;
  vaultName: string;
  status: CheckpointStatus;
  name: string | null;
  description: string | null;
  incremental: boolean;
  autoTrigger: boolean;
  retentionDays: number;
  createdAt: string;
  updatedAt: string;
  resources: CheckpointResource[];
  skipped: SkippedResource[];
}

export interface Backup {
  id: string;
  projectId: string;
  vaultId: string;
  checkpointId: string;
  parentId: string | null;
  name: string;
  description: string | null;
  imageType: ImageType;
  status: BackupStatus;
  resourceId: string;
  resourceKind: ResourceKind;
  resourceName: string;
  resourceSizeGb: number;
  resourceAz: string | null;
  enterpriseProjectId: string;
  createdAt: string;
  updatedAt: string;
  protectedAt: string | null;
  expiredAt: string | null;
  incremental: boolean;
  autoTrigger: boolean;
  /** Disk backups: the disk is the server's first (system) disk. */
  bootable: boolean;
  systemDisk: boolean;
  encrypted: boolean;
  /** Position of a disk child within its server (0 = system disk). */
  diskIndex: number;
  progress: number | null;
  failReason: string | null;
  /** Volume size in bytes at backup time. */
  volumeBytes: number;
  /** Bytes newly written to the object store by this backup. */
  storedBytes: number;
  /** Engine backup id the data lives under (null for a server backup: its data is in the children). */
  engineBackupId: string | null;
  /** The backup this one is incremental to (engine parent), if any. */
  baseBackupId: string | null;
  /** The user who created the backup (the token's user, any protocol); null/absent for older rows. */
  userId?: string | null;
}

export interface OperationLog {
  id: string;
  projectId: string;
  operationType: OperationType;
  status: OperationStatus;
  createdAt: string;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  checkpointId: string | null;
  vaultId: string | null;
  vaultName: string | null;
  providerKind: ResourceKind;
  resourceId: string;
  resourceName: string;
  backupId: string;
  backupName: string;
  incremental: boolean | null;
  targetResourceId: string | null;
  targetResourceName: string | null;
  progress: number;
  errorCode: string | null;
  errorMessage: string | null;
  /** The policy whose schedule started the operation (automatic backups), else null. */
  policyId: string | null;
  /** The API request that started the operation (its X-Request-Id); null for scheduled and internal runs. */
  requestId?: string | null;
}

export type SortKey = 'created_at' | 'updated_at' | 'name' | 'status' | 'protected_at' | 'id';
export const SORT_KEYS: readonly SortKey[] = [
  'created_at',
  'updated_at',
  'name',
  'status',
  'protected_at',
  'id',
];

export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Filters of a backup listing. Absent fields do not filter. */
export interface BackupFilter {
  projectId: string;
  checkpointId?: string;
  vaultId?: string;
  /** null: top-level backups only; a string: children of that backup; undefined: all. */
  parentId?: string | null;
  imageType?: ImageType;
  name?: string;
  resourceAz?: string;
  resourceId?: string;
  resourceName?: string;
  resourceKind?: ResourceKind;
  statuses?: BackupStatus[];
  /** Inclusive creation window, canonical timestamps. */
  createdFrom?: string;
  createdTo?: string;
  enterpriseProjectId?: string;
  /** Dedicated-cloud filter: opencbr has no dedicated cloud, so true matches nothing. */
  dedicatedCloud?: boolean;
  ownType?: 'private' | 'shared' | 'all_granted';
  memberStatus?: 'pending' | 'accepted' | 'rejected';
  incremental?: boolean;
  /** Only backups whose vault is at least this percent full. */
  usedPercentAtLeast?: number;
}

export interface BackupPage {
  sort: SortSpec[];
  limit: number;
  offset: number;
  /** Id of the last backup of the previous page. */
  marker?: string;
}
