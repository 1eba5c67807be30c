// What the CBR services need from persistence, as plain TS types: the catalog implements these (one file per
// repository in src/catalog/repositories); services and tests only see these interfaces.
import type {
  Backup,
  BackupFilter,
  BackupPage,
  BackupStatus,
  Checkpoint,
  CheckpointResource,
  OperationLog,
  ResourceKind,
  Vault,
  VaultResource,
} from '../cbr-model.js';
import type { Policy, PolicyOperationType } from '../policy.js';
import type { Tag, TagFilter, TagResourceKind } from '../tags.js';
import type { MemberRepository } from './members.js';

export class ResourceAlreadyBoundError extends Error {
  constructor(readonly resourceId: string) {
    super(`resource ${resourceId} is already in a vault`);
  }
}

export class MarkerNotFoundError extends Error {
  constructor(readonly marker: string) {
    super(`marker ${marker} is not a backup of this project`);
  }
}

export interface VaultListFilter {
  projectId: string;
  name?: string;
  objectType?: string;
  protectType?: string;
  ids?: string[];
  enterpriseProjectId?: string;
  status?: string;
  resourceIds?: string[];
  policyId?: string;
  /** The last vault of the previous page: the page starts after it (then `offset` counts from there). */
  marker?: string;
  limit: number;
  offset: number;
}

export interface OplogListFilter {
  projectId: string;
  operationType?: string;
  status?: string;
  vaultId?: string;
  vaultName?: string;
  resourceId?: string;
  resourceName?: string;
  providerKind?: ResourceKind;
  startedFrom?: string;
  startedTo?: string;
  limit: number;
  offset: number;
}

export type VaultPatch = Partial<
  Pick<
    Vault,
    | 'name'
    | 'sizeGb'
    | 'consistentLevel'
    | 'autoBind'
    | 'autoExpand'
    | 'smnNotify'
    | 'threshold'
    | 'locked'
    | 'status'
    | 'description'
    | 'backupPolicyId'
    | 'bindRules'
  >
> & { updatedAt: string };

export type BackupPatch = Partial<
  Pick<
    Backup,
    | 'status'
    | 'progress'
    | 'failReason'
    | 'protectedAt'
    | 'storedBytes'
    | 'volumeBytes'
    | 'resourceSizeGb'
    | 'incremental'
    | 'baseBackupId'
    | 'name'
    | 'description'
  >
> & { updatedAt: string };

export type OplogPatch = Partial<
  Pick<OperationLog, 'status' | 'progress' | 'endedAt' | 'errorCode' | 'errorMessage' | 'incremental'>
> & { updatedAt: string };

/** A backup and its disk children (a server backup's disks, in disk order). */
export interface BackupTree {
  backup: Backup;
  children: Backup[];
  /**
   * Present when the tree comes from a read cache: an opaque object that is the same for every answer built
   * from the same catalog rows and a different one once they may have changed (any catalog write ends a cache
   * generation). Lets a caller keep something derived from the tree (a serialized answer) in a WeakMap keyed
   * on it, with the same freshness as the cache itself.
   */
  snapshot?: object;
}

/** A ListBackups page and the number of backups matching the filter. */
export interface BackupList {
  /** The caller's own copies (from the read cache, made when first read). */
  items: Backup[];
  count: number;
  /**
   * Present when the page comes from a read cache: an opaque object that is the same for every answer to the
   * same filter and page built from the same catalog rows, and a different one once they may have changed
   * (as BackupTree.snapshot).
   */
  snapshot?: object;
}

/** What the metrics report of a vault, from its catalog rows (no object-store scan). */
export interface VaultFigures {
  id: string;
  name: string;
  projectId: string;
  /** Capacity in GB as the API shows it (billing.size); -1 or 0 when none is set. */
  sizeGb: number;
  /** What the vault takes in the object store (billing.used, in bytes). */
  usedBytes: number;
  /** Volume bytes of the vault's available disk backups: what full copies of them all would take. */
  protectedBytes: number;
  /** Top-level backups (a server backup counts once) by status. */
  backupsByStatus: Record<string, number>;
}

export interface VaultRepository {
  /** Throws ResourceAlreadyBoundError when a resource is in a vault already. */
  insertVault(v: Vault): Promise<void>;
  getVault(projectId: string, id: string): Promise<Vault | null>;
  listVaults(f: VaultListFilter): Promise<{ items: Vault[]; count: number }>;
  /** Vaults in one of these statuses, any project (the reconciler at start). */
  vaultsInStatus(statuses: string[]): Promise<Vault[]>;
  updateVault(id: string, patch: VaultPatch): Promise<void>;
  setVaultUsedBytes(id: string, bytes: number): Promise<void>;
  /** Removes the vault, its resource bindings, checkpoints and backup rows (data must be gone first). */
  deleteVault(id: string): Promise<void>;
  addResources(vaultId: string, projectId: string, resources: VaultResource[], at: string): Promise<void>;
  removeResources(vaultId: string, resourceIds: string[]): Promise<void>;
  setResourceProtectStatus(vaultId: string, resourceId: string, status: string): Promise<void>;
  vaultOfResource(projectId: string, resourceId: string): Promise<string | null>;
  /** SetVaultResource: automatic backups skip a suspended resource. */
  setResourcesSuspended(vaultId: string, resourceIds: string[], suspended: boolean): Promise<void>;
  projectUsage(projectId: string): Promise<{ sizeGb: number; usedBytes: number }>;
  /** Every vault of every project with its usage and backup figures (the metrics scrape). */
  vaultFigures(): Promise<VaultFigures[]>;
}

export interface CheckpointRepository {
  insertCheckpoint(c: Checkpoint): Promise<void>;
  getCheckpoint(projectId: string, id: string): Promise<Checkpoint | null>;
  updateCheckpoint(
    id: string,
    patch: { status?: string; resources?: CheckpointResource[]; updatedAt: string },
  ): Promise<void>;
}

export interface BackupRepository {
  insertBackups(rows: Backup[]): Promise<void>;
  getBackup(id: string): Promise<Backup | null>;
  /** A backup and its disk children in one query (the ShowBackup hot path). */
  getBackupTree(id: string): Promise<BackupTree | null>;
  getChildren(parentId: string): Promise<Backup[]>;
  /** A checkpoint's top-level backups (one per resource; a server backup's disk children are left out). */
  topBackupsOfCheckpoint(checkpointId: string): Promise<Backup[]>;
  backupsOfVault(vaultId: string): Promise<Backup[]>;
  backupsInStatus(statuses: BackupStatus[]): Promise<Backup[]>;
  /** Newest available backup of a resource in a vault (the base of the next incremental). */
  latestAvailable(
    projectId: string,
    vaultId: string,
    resourceId: string,
    topLevel: boolean,
  ): Promise<Backup | null>;
  /** False when no row was updated (absent, or not in one of `onlyIfStatus`). */
  updateBackup(id: string, patch: BackupPatch, onlyIfStatus?: BackupStatus[]): Promise<boolean>;
  /** Atomically moves a backup (and, for a server backup, its children) into a new status when in one of `from`. */
  transitionBackupTree(id: string, from: BackupStatus[], to: BackupStatus, at: string): Promise<boolean>;
  /** Moves every backup of the vault in one of `from` to `to`; returns how many. */
  transitionVaultBackups(
    vaultId: string,
    from: BackupStatus[],
    to: BackupStatus,
    at: string,
  ): Promise<number>;
  /** Which of these resources (servers or disks) have a backup being taken right now. */
  resourcesBeingBackedUp(projectId: string, resourceIds: string[]): Promise<Set<string>>;
  /** Removes backup rows with what other protocols recorded about them (Cinder's attributes). */
  deleteBackupRows(ids: string[]): Promise<void>;
  /** Backups (any vault) incremental to one of `ids`: the engine must keep what they share. */
  dependants(ids: string[]): Promise<Backup[]>;
  /** Throws MarkerNotFoundError when page.marker is not a backup of the project. */
  listBackups(f: BackupFilter, page: BackupPage): Promise<BackupList>;
  /**
   * Per resource of the project (optionally one resource or one kind): its top-level backups not in error
   * and the bytes they stored, by resource id; the name is the one of its newest backup.
   */
  storageUsage(projectId: string, f: { resourceId?: string; kind?: ResourceKind }): Promise<ResourceUsage[]>;
}

export interface ResourceUsage {
  resourceId: string;
  resourceName: string;
  kind: ResourceKind;
  backupCount: number;
  storedBytes: number;
}

export interface OperationLogRepository {
  insertOplog(o: OperationLog): Promise<void>;
  updateOplog(id: string, patch: OplogPatch): Promise<void>;
  getOplog(projectId: string, id: string): Promise<OperationLog | null>;
  oplogsInStatus(statuses: string[]): Promise<OperationLog[]>;
  listOplogs(f: OplogListFilter): Promise<{ items: OperationLog[]; count: number }>;
  /** Targets (server or volume ids) of restores that have not finished. */
  resourcesBeingRestored(projectId: string): Promise<Set<string>>;
}

export interface PolicyRepository {
  insertPolicy(p: Policy): Promise<void>;
  getPolicy(projectId: string, id: string): Promise<Policy | null>;
  /** A project's policies, oldest first. */
  listPolicies(projectId: string, operationType?: PolicyOperationType): Promise<Policy[]>;
  updatePolicy(p: Policy): Promise<void>;
  /** Removes the policy and its run records (its vaults must be unbound first). */
  deletePolicy(id: string): Promise<void>;
  /** Enabled backup policies of every project, each with the ids of the vaults bound to it (at least one). */
  enabledBoundPolicies(): Promise<Array<{ policy: Policy; vaultIds: string[] }>>;
  /**
   * Claims a schedule slot of a (policy, vault): the number of this automatic run (1 for the first) for exactly
   * one caller per slot, null for every other caller and for a slot not later than the last one claimed.
   */
  claimSlot(policyId: string, vaultId: string, slot: string): Promise<number | null>;
}

export interface TagRepository {
  /** A resource's tags, by key. */
  tagsOf(kind: TagResourceKind, resourceId: string): Promise<Tag[]>;
  /** Adds or overwrites these tags of a resource (same key = new value). */
  putTags(kind: TagResourceKind, projectId: string, resourceId: string, tags: Tag[]): Promise<void>;
  /** Removes tags by key (and by value when one is given); returns how many went. */
  deleteTags(
    kind: TagResourceKind,
    resourceId: string,
    tags: Array<{ key: string; value?: string }>,
  ): Promise<number>;
  /** Removes every tag of a resource (it is gone). */
  forgetResource(kind: TagResourceKind, resourceId: string): Promise<void>;
  /** Every key used on the project's resources of a kind, with its distinct values, both sorted. */
  projectTags(projectId: string, kind: TagResourceKind): Promise<Array<{ key: string; values: string[] }>>;
  /**
   * The project's vaults the filter keeps, newest first (ListVault's order): one page of ids, and how many
   * match in all.
   */
  filterVaults(
    projectId: string,
    filter: TagFilter,
    page: { limit: number; offset: number },
  ): Promise<{ ids: string[]; count: number }>;
  /** The project's auto_bind vaults of an object type that can take resources, oldest first, with their rules. */
  autoBindVaults(projectId: string, objectType: string): Promise<Array<{ vaultId: string; rules: Tag[] }>>;
}

/** The CBR repositories together, as services read them (outside a command's transaction). */
export interface CbrRepositories {
  vaults: VaultRepository;
  checkpoints: CheckpointRepository;
  backups: BackupRepository;
  oplogs: OperationLogRepository;
  policies: PolicyRepository;
  members: MemberRepository;
  tags: TagRepository;
}
