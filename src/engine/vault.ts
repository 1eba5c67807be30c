import { ObjectNotFoundError } from '../objects/index.js';
import { checkBackupId, runBackup, wrapError } from './backup.js';
import { CorruptDataError } from './errors.js';
import type { ManifestMeta } from './format.js';
import { runGc } from './gc.js';
import { readBackup } from './restore.js';
import type {
  BackupInfo,
  BackupRequest,
  BackupStats,
  GcStats,
  RestoreRequest,
  RestoreStats,
  VaultEngine,
  VaultUsage,
  VerifyReport,
} from './types.js';
import type { VaultContext } from './vault-context.js';

function info({ meta, bytes }: { meta: ManifestMeta; bytes: number }): BackupInfo {
  return {
    backupId: meta.backupId,
    vaultId: meta.vaultId,
    parentBackupId: meta.parentBackupId,
    formatVersion: meta.formatVersion,
    createdAt: meta.createdAt,
    volumeSize: meta.volumeSize,
    chunkCount: meta.chunkCount,
    labels: meta.labels,
    // As the backup reported it: its packs and segments (in the meta) and the manifest itself.
    storedBytes: meta.stats.storedBytes + bytes,
  };
}

export class Vault implements VaultEngine {
  private gcRunning: Promise<GcStats> | null = null;

  constructor(private readonly ctx: VaultContext) {}

  get vaultId(): string {
    return this.ctx.vaultId;
  }

  get leaseTtlMs(): number {
    return this.ctx.leases.ttlMs;
  }

  backup(req: BackupRequest): Promise<BackupStats> {
    return runBackup(this.ctx, req);
  }

  async restore(req: RestoreRequest): Promise<RestoreStats> {
    const t0 = performance.now();
    checkBackupId(req.backupId);
    const r = await readBackup(this.ctx, {
      backupId: req.backupId,
      target: req.target,
      preserveLargerTarget: req.preserveLargerTarget === true,
      verifyIds: this.ctx.restoreVerifiesDigests,
      collect: false,
      signal: req.signal,
      onProgress: req.onProgress,
    });
    return {
      backupId: req.backupId,
      volumeSize: r.volumeSize,
      bytesWritten: r.bytesWritten,
      chunkCount: r.chunkCount,
      zeroChunks: r.zeroChunks,
      durationMs: Math.round(performance.now() - t0),
    };
  }

  async verify(backupId: string): Promise<VerifyReport> {
    const t0 = performance.now();
    checkBackupId(backupId);
    try {
      const r = await readBackup(this.ctx, { backupId, target: null, verifyIds: true, collect: true });
      return {
        backupId,
        ok: r.badRegions.length === 0,
        chunkCount: r.chunkCount,
        checkedChunks: r.checkedChunks,
        badRegions: r.badRegions,
        durationMs: Math.round(performance.now() - t0),
      };
    } catch (e) {
      if (e instanceof CorruptDataError) {
        // The manifest itself is unreadable: the whole backup is bad.
        return {
          backupId,
          ok: false,
          chunkCount: 0,
          checkedChunks: 0,
          badRegions: [{ offset: 0, length: 0, reason: e.reason }],
          durationMs: Math.round(performance.now() - t0),
        };
      }
      throw e;
    }
  }

  /** Removes the backup's manifest (idempotent); the data only it used is reclaimed by gc(). */
  async deleteBackup(backupId: string): Promise<void> {
    checkBackupId(backupId);
    try {
      await this.ctx.store.delete(this.ctx.manifestKey(backupId));
    } catch (e) {
      throw wrapError(e);
    }
  }

  async getBackup(backupId: string): Promise<BackupInfo> {
    checkBackupId(backupId);
    return info(await this.ctx.loadManifest(backupId));
  }

  /** Every committed backup, read from the object store alone (catalog-loss recovery). Oldest first. */
  async listBackups(): Promise<BackupInfo[]> {
    const out: BackupInfo[] = [];
    try {
      for await (const o of this.ctx.store.list(`${this.ctx.prefix}backups/`)) {
        try {
          out.push(info(await this.ctx.loadManifestByKey(o.key)));
        } catch (e) {
          if (e instanceof ObjectNotFoundError) continue;
          throw new CorruptDataError(0, 0, `manifest ${o.key} is unreadable: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      throw wrapError(e);
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  gc(): Promise<GcStats> {
    // One gc per vault per process at a time; across processes gc/lock serializes.
    this.gcRunning ??= runGc(this.ctx)
      .catch((e) => {
        throw wrapError(e);
      })
      .finally(() => {
        this.gcRunning = null;
      });
    return this.gcRunning;
  }

  async usage(): Promise<VaultUsage> {
    let storedBytes = 0;
    let objectCount = 0;
    for await (const o of this.ctx.store.list(this.ctx.prefix)) {
      storedBytes += o.size;
      objectCount++;
    }
    return { storedBytes, objectCount };
  }
}
