// What the services need from the data plane, kept narrow so the services do not
// depend on the engine's internals. `openEngine(...)` from src/engine satisfies it.

export interface EngineProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface EngineBackupStats {
  volumeSize: number;
  bytesRead: number;
  storedBytes: number;
  /** Plain bytes of the chunks the backup newly stored (storedBytes is what they took, compressed). */
  newChunkBytes?: number;
  incremental: boolean;
}

export interface EngineVerifyReport {
  ok: boolean;
  volumeSize: number;
  chunkCount: number;
  checkedChunks: number;
  badRegions: Array<{ offset: number; length: number; reason: string }>;
  damagedObjects: Array<{ key: string; reason: string }>;
}

export interface VaultEnginePort {
  backup(req: {
    backupId: string;
    source: string;
    parentBackupId?: string | null;
    labels?: Record<string, string>;
    signal?: AbortSignal;
    onProgress?: (p: EngineProgress) => void;
  }): Promise<EngineBackupStats>;
  restore(req: {
    backupId: string;
    target: string;
    preserveLargerTarget?: boolean;
    signal?: AbortSignal;
    onProgress?: (p: EngineProgress) => void;
  }): Promise<unknown>;
  /** Reads every chunk of the backup back and checks it (tag and keyed digest); nothing is written. */
  verify(
    backupId: string,
    opts?: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void },
  ): Promise<EngineVerifyReport>;
  deleteBackup(backupId: string): Promise<void>;
  /** What the store holds of a backup (its committed manifest); throws NotFoundError when it holds none. */
  getBackup(
    backupId: string,
  ): Promise<{ volumeSize: number; storedBytes: number; parentBackupId: string | null }>;
  gc(): Promise<unknown>;
  /** How long a dead process's lease (or gc lock) keeps blocking gc. */
  readonly leaseTtlMs?: number;
  usage(): Promise<{ storedBytes: number; objectCount?: number }>;
  /** The vault's readable backups (engine ids and labels) and its damaged manifests. */
  scanBackups(): Promise<{
    backups: EngineBackupInfo[];
    damaged: Array<{ key: string; reason: string }>;
  }>;
  /** Encrypted catalog records kept in the vault beside the data (catalog-loss recovery). */
  putRecord(name: string, data: Uint8Array): Promise<void>;
  deleteRecord(name: string): Promise<void>;
  listRecords(): Promise<{
    records: Array<{ name: string; data: Buffer }>;
    damaged: Array<{ key: string; reason: string }>;
  }>;
}

export interface EngineBackupInfo {
  backupId: string;
  parentBackupId: string | null;
  createdAt: string;
  volumeSize: number;
  labels: Record<string, string>;
  storedBytes: number;
}

export interface EnginePort {
  vault(vaultId: string): Promise<VaultEnginePort>;
  /** The vaults the object store holds. */
  listVaults(): Promise<string[]>;
  /** One cheap object-store call; throws when the store cannot be reached. */
  probeStore(): Promise<void>;
}

// The engine's chunk size is part of its format (a backup is ceil(bytes / chunk size) chunks); the services
// take it from here, their one window into the engine.
export { CHUNK_SIZE } from '../engine/format.js';
