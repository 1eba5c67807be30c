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
  incremental: boolean;
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
  deleteBackup(backupId: string): Promise<void>;
  /** What the store holds of a backup (its committed manifest); throws NotFoundError when it holds none. */
  getBackup(
    backupId: string,
  ): Promise<{ volumeSize: number; storedBytes: number; parentBackupId: string | null }>;
  gc(): Promise<unknown>;
  /** How long a dead process's lease (or gc lock) keeps blocking gc. */
  readonly leaseTtlMs?: number;
  usage(): Promise<{ storedBytes: number; objectCount?: number }>;
}

export interface EnginePort {
  vault(vaultId: string): Promise<VaultEnginePort>;
}

// The engine's chunk size is part of its format (a backup is ceil(bytes / chunk size) chunks); the services
// take it from here, their one window into the engine.
export { CHUNK_SIZE } from '../engine/format.js';
