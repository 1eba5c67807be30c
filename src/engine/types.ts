import type { ObjectStore } from '../objects/index.js';
import type { MasterKeySource } from './keys.js';

export type { MasterKeySource };

export interface EngineOptions {
  store: ObjectStore;
  masterKey: MasterKeySource;
  /** Where the local chunk index (a rebuildable cache) lives; default: $XDG_CACHE_HOME or ~/.cache/opencbr/engine. */
  stateDir?: string;
  /** Worker threads for hashing/compression/encryption; default 2 (0 = run inline). */
  workers?: number;
  /** Lease time-to-live for GC safety (docs/format.md); default 10 minutes. */
  leaseTtlMs?: number;
  /**
   * Restore also re-computes every chunk's keyed digest; default false: each chunk's AES-GCM tag (with the chunk
   * id as associated data) already proves it is the stored chunk, so corruption is caught either way. verify()
   * always checks both.
   */
  restoreVerifiesDigests?: boolean;
}

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
}

/** A changed byte range [offset, length] since the parent backup, as changed-block tracking reports it. */
export type Extent = [offset: number, length: number];

export interface BackupRequest {
  backupId: string;
  source: string;
  parentBackupId?: string | null;
  changedExtents?: Extent[] | null;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface BackupStats {
  backupId: string;
  formatVersion: number;
  volumeSize: number;
  bytesRead: number;
  chunkCount: number;
  newChunks: number;
  /** Plain (uncompressed) bytes of the new chunks: over storedBytes, the compression achieved. */
  newChunkBytes: number;
  /** Bytes newly written to the object store by this backup (packs, segments, manifest). */
  storedBytes: number;
  /** Objects newly written by this backup. */
  objectCount: number;
  incremental: boolean;
  parentBackupId: string | null;
  durationMs: number;
}

export interface RestoreRequest {
  backupId: string;
  target: string;
  /**
   * When the target is an existing regular file larger than the backup, keep its size: the backup's bytes at the
   * start, zeros (holes) beyond. Default false: the file becomes exactly the backup's size. Block devices are never
   * resized either way (their tail beyond the backup is left untouched).
   */
  preserveLargerTarget?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface RestoreStats {
  backupId: string;
  volumeSize: number;
  bytesWritten: number;
  chunkCount: number;
  zeroChunks: number;
  durationMs: number;
}

export interface BadRegion {
  offset: number;
  length: number;
  reason: string;
}

/** A stored object found damaged (a manifest, a pack header), by key, and what is wrong with it. */
export interface DamagedObject {
  key: string;
  reason: string;
}

export interface VerifyReport {
  backupId: string;
  /** No bad region and no damaged object. */
  ok: boolean;
  volumeSize: number;
  chunkCount: number;
  checkedChunks: number;
  /** Byte ranges of the volume that cannot be restored, merged, in volume order. */
  badRegions: BadRegion[];
  /**
   * Metadata found damaged although no chunk is lost through it (yet): a pack header that fails authentication
   * is hidden by the running engine's index, but a fresh index would have to salvage it.
   */
  damagedObjects: DamagedObject[];
  durationMs: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** What a vault's manifests say: every readable backup, and each manifest that could not be read. */
export interface BackupListing {
  backups: BackupInfo[];
  damaged: DamagedObject[];
}

export interface BackupInfo {
  backupId: string;
  vaultId: string;
  parentBackupId: string | null;
  formatVersion: number;
  createdAt: string;
  volumeSize: number;
  chunkCount: number;
  labels: Record<string, string>;
  /** Bytes the backup newly wrote (packs, segments, manifest): BackupStats.storedBytes of its run. */
  storedBytes: number;
}

export interface GcStats {
  /** Objects (packs, segments) deleted by this run. */
  deletedObjects: number;
  deletedBytes: number;
  /** Unreferenced objects condemned but kept until leases that were live at condemnation end. */
  pendingObjects: number;
  liveLeases: number;
  staleLeasesRemoved: number;
  /** Temp files of puts a crash cut short, removed once a lease TTL old. */
  interruptedPutsRemoved: number;
  referencedPacks: number;
  /** Mostly-dead packs whose live chunks were copied into new packs (the old ones are then condemned). */
  repackedPacks: number;
  repackedBytes: number;
  durationMs: number;
}

export interface VaultUsage {
  storedBytes: number;
  objectCount: number;
}

export interface VaultEngine {
  readonly vaultId: string;
  /** How long a lease (or the gc lock) of a dead process keeps blocking gc: the engine's leaseTtlMs. */
  readonly leaseTtlMs: number;
  backup(req: BackupRequest): Promise<BackupStats>;
  restore(req: RestoreRequest): Promise<RestoreStats>;
  verify(backupId: string, opts?: VerifyOptions): Promise<VerifyReport>;
  deleteBackup(backupId: string): Promise<void>;
  /** Every backup whose manifest reads (scanBackups().backups): a damaged manifest affects no other. */
  listBackups(): Promise<BackupInfo[]>;
  /** Every backup whose manifest reads, and each manifest that does not, with the reason. */
  scanBackups(): Promise<BackupListing>;
  getBackup(backupId: string): Promise<BackupInfo>;
  gc(): Promise<GcStats>;
  usage(): Promise<VaultUsage>;
  /**
   * Stores a small encrypted, authenticated record under `name` (replacing one of the same name): what the
   * catalog needs to re-create this vault's entries after a catalog loss. The engine does not read it.
   */
  putRecord(name: string, data: Uint8Array): Promise<void>;
  deleteRecord(name: string): Promise<void>;
  /** Every record that reads, and each one that does not (damaged), with the reason. */
  listRecords(): Promise<RecordListing>;
}

export interface RecordListing {
  records: Array<{ name: string; data: Buffer }>;
  damaged: DamagedObject[];
}

export interface Engine {
  vault(vaultId: string): Promise<VaultEngine>;
  /** Ids of the vaults the object store holds (those with a vault key), for catalog-loss recovery. */
  listVaults(): Promise<string[]>;
  /** One cheap call to the object store (the first entry of a listing): throws when it cannot be reached. */
  probeStore(): Promise<void>;
  close(): Promise<void>;
}
