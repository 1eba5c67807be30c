import { ObjectNotFoundError } from '../objects/index.js';
import { checkBackupId, runBackup, wrapError } from './backup.js';
import { CorruptDataError } from './errors.js';
import {
  EnvelopeError,
  MAGIC,
  type ManifestMeta,
  decodeRecord,
  encodeRecord,
  openEnvelope,
  sealEnvelope,
} from './format.js';
import { runGc } from './gc.js';
import { readBackup } from './restore.js';
import type {
  BackupInfo,
  BackupListing,
  BackupRequest,
  BackupStats,
  DamagedObject,
  GcStats,
  RecordListing,
  RestoreRequest,
  RestoreStats,
  VaultEngine,
  VaultUsage,
  VerifyOptions,
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

  async verify(backupId: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
    const t0 = performance.now();
    checkBackupId(backupId);
    try {
      const r = await readBackup(this.ctx, {
        backupId,
        target: null,
        verifyIds: true,
        collect: true,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      const damagedObjects = await this.checkPackHeaders(r.packIds);
      return {
        backupId,
        ok: r.badRegions.length === 0 && damagedObjects.length === 0,
        volumeSize: r.volumeSize,
        chunkCount: r.chunkCount,
        checkedChunks: r.checkedChunks,
        badRegions: r.badRegions,
        damagedObjects,
        durationMs: Math.round(performance.now() - t0),
      };
    } catch (e) {
      if (e instanceof CorruptDataError) {
        // The manifest itself is unreadable: the whole backup is bad.
        return {
          backupId,
          ok: false,
          volumeSize: 0,
          chunkCount: 0,
          checkedChunks: 0,
          badRegions: [{ offset: 0, length: 0, reason: e.reason }],
          damagedObjects: [{ key: this.ctx.manifestKey(backupId), reason: e.reason }],
          durationMs: Math.round(performance.now() - t0),
        };
      }
      throw e;
    }
  }

  /**
   * Re-reads the headers of the packs a backup's chunks came from: the index cache was built from them once,
   * so damage since then would otherwise show only when an index is rebuilt.
   */
  private async checkPackHeaders(packIds: Set<string>): Promise<DamagedObject[]> {
    const out: DamagedObject[] = [];
    for (const id of [...packIds].sort()) {
      const key = this.ctx.packKey(id);
      try {
        const { size } = await this.ctx.store.head(key);
        const h = await this.ctx.readPackHeader(id, size, { checkCopy: true });
        if (h.damage) out.push({ key, reason: h.damage });
      } catch (e) {
        if (e instanceof ObjectNotFoundError) continue; // repacked meanwhile: its chunks were read elsewhere
        if (e instanceof EnvelopeError) out.push({ key, reason: e.message });
        else throw wrapError(e);
      }
    }
    return out;
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

  async listBackups(): Promise<BackupInfo[]> {
    return (await this.scanBackups()).backups;
  }

  /** Every committed backup, read from the object store alone (catalog-loss recovery). Oldest first. */
  async scanBackups(): Promise<BackupListing> {
    const backups: BackupInfo[] = [];
    const damaged: DamagedObject[] = [];
    try {
      for await (const o of this.ctx.store.list(`${this.ctx.prefix}backups/`)) {
        try {
          backups.push(info(await this.ctx.loadManifestByKey(o.key)));
        } catch (e) {
          if (e instanceof ObjectNotFoundError) continue;
          if (!(e instanceof EnvelopeError || e instanceof SyntaxError || e instanceof RangeError)) throw e;
          // One damaged manifest costs its own backup only.
          damaged.push({ key: o.key, reason: `manifest is unreadable: ${e.message}` });
        }
      }
    } catch (e) {
      throw wrapError(e);
    }
    backups.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    return { backups, damaged: damaged.sort((a, b) => (a.key < b.key ? -1 : 1)) };
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

  async putRecord(name: string, data: Uint8Array): Promise<void> {
    const key = this.ctx.recordKey(name);
    const context = key.slice(key.lastIndexOf('/') + 1);
    try {
      await this.ctx.store.put(
        key,
        sealEnvelope(this.ctx.keys.encKey, MAGIC.record, context, encodeRecord(name, data)),
      );
    } catch (e) {
      throw wrapError(e);
    }
  }

  async deleteRecord(name: string): Promise<void> {
    try {
      await this.ctx.store.delete(this.ctx.recordKey(name));
    } catch (e) {
      throw wrapError(e);
    }
  }

  async listRecords(): Promise<RecordListing> {
    const records: RecordListing['records'] = [];
    const damaged: DamagedObject[] = [];
    try {
      for await (const o of this.ctx.store.list(`${this.ctx.prefix}records/`)) {
        const context = o.key.slice(o.key.lastIndexOf('/') + 1);
        try {
          const r = decodeRecord(
            openEnvelope(this.ctx.keys.encKey, MAGIC.record, context, await this.ctx.store.get(o.key)),
          );
          // The name is keyed into the object's key: a record copied under another name does not pass.
          if (this.ctx.recordKey(r.name) !== o.key)
            throw new EnvelopeError('record stored under another name');
          records.push(r);
        } catch (e) {
          if (e instanceof ObjectNotFoundError) continue;
          if (!(e instanceof EnvelopeError)) throw e;
          damaged.push({ key: o.key, reason: `record is unreadable: ${e.message}` });
        }
      }
    } catch (e) {
      throw wrapError(e);
    }
    records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { records, damaged };
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
