import { ObjectNotFoundError, type ObjectStore } from '../objects/index.js';
import type { ChunkIndex } from './chunk-index.js';
import { CorruptDataError, NotFoundError } from './errors.js';
import {
  EnvelopeError,
  MAGIC,
  type ManifestMeta,
  decodeManifest,
  decodeSegment,
  keyedHex,
  openEnvelope,
} from './format.js';
import type { VaultKeys } from './keys.js';
import type { Leases } from './leases.js';
import { type PackHeaderRead, readPackHeader } from './pack-header.js';
import type { WorkerPool } from './worker-pool.js';

export interface Condemned {
  objects: string[];
  leases?: string[];
}

/** Everything one vault's operations share: where its objects live, its keys, index, workers and leases. */
export class VaultContext {
  constructor(
    readonly store: ObjectStore,
    readonly vaultId: string,
    readonly prefix: string,
    readonly keys: VaultKeys,
    readonly index: ChunkIndex,
    readonly pool: WorkerPool,
    readonly leases: Leases,
    readonly restoreVerifiesDigests: boolean,
  ) {}

  manifestName(backupId: string): string {
    return keyedHex(this.keys.nameKey, `backup ${backupId}`);
  }
  manifestKey(backupId: string): string {
    return `${this.prefix}backups/${this.manifestName(backupId)}`;
  }
  recordKey(name: string): string {
    return `${this.prefix}records/${keyedHex(this.keys.nameKey, `record ${name}`)}`;
  }
  segmentKey(hex: string): string {
    return `${this.prefix}segments/${hex}`;
  }
  packKey(packId: string): string {
    return `${this.prefix}packs/${packId.slice(0, 2)}/${packId}`;
  }
  get condemnedKey(): string {
    return `${this.prefix}gc/condemned`;
  }
  get gcLockKey(): string {
    return `${this.prefix}gc/lock`;
  }

  /** `bytes`: the manifest object's own size (what the backup stored counts it, its meta cannot). */
  async loadManifestByKey(key: string): Promise<{ meta: ManifestMeta; segmentIds: Buffer[]; bytes: number }> {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const data = await this.store.get(key);
    return {
      ...decodeManifest(openEnvelope(this.keys.encKey, MAGIC.manifest, name, data)),
      bytes: data.length,
    };
  }

  async loadManifest(backupId: string): Promise<{ meta: ManifestMeta; segmentIds: Buffer[]; bytes: number }> {
    try {
      const m = await this.loadManifestByKey(this.manifestKey(backupId));
      if (m.meta.backupId !== backupId) throw new EnvelopeError('manifest names another backup');
      return m;
    } catch (e) {
      if (e instanceof ObjectNotFoundError)
        throw new NotFoundError(`backup ${backupId} not found in vault ${this.vaultId}`);
      if (e instanceof EnvelopeError)
        throw new CorruptDataError(0, 0, `manifest of backup ${backupId}: ${e.message}`);
      throw e;
    }
  }

  /** The chunk ids of a segment (count * 32 bytes). Throws ObjectNotFoundError or EnvelopeError. */
  async loadSegment(hex: string): Promise<Buffer> {
    const data = await this.store.get(this.segmentKey(hex));
    const plain = openEnvelope(this.keys.encKey, MAGIC.segment, hex, data);
    if (keyedHex(this.keys.idKey, plain) !== hex) throw new EnvelopeError(`segment ${hex} digest mismatch`);
    return decodeSegment(plain);
  }

  /** The pack's header, from its copy or salvaged when damaged (see pack-header.ts). */
  readPackHeader(packId: string, size: number, opts: { checkCopy?: boolean } = {}): Promise<PackHeaderRead> {
    return readPackHeader(this.store, this.keys.encKey, this.packKey(packId), packId, size, opts);
  }

  /**
   * Brings the local index in line with the packs in the store: adds packs it does not know (their headers),
   * drops packs that are gone. Returns the packs whose header could not be read (never deleted by GC).
   */
  async syncIndex(): Promise<{
    packs: Map<string, { size: number; lastModified: Date }>;
    unreadable: Set<string>;
  }> {
    const known = await this.index.knownPacks();
    // Packs indexed from a salvaged header stay off-limits to GC, sync after sync.
    const unreadable = await this.index.damagedPacks();
    const packs = new Map<string, { size: number; lastModified: Date }>();
    const toLoad: Array<[string, number]> = [];
    for await (const o of this.store.list(`${this.prefix}packs/`)) {
      const id = o.key.slice(o.key.lastIndexOf('/') + 1);
      packs.set(id, { size: o.size, lastModified: o.lastModified });
      if (!known.has(id)) toLoad.push([id, o.size]);
    }
    const gone = [...known].filter((id) => !packs.has(id));
    await this.index.removePacks(gone);
    for (let i = 0; i < toLoad.length; i += 8) {
      await Promise.all(
        toLoad.slice(i, i + 8).map(async ([id, size]) => {
          try {
            const h = await this.readPackHeader(id, size);
            await this.index.addPack(id, size, h.entries, h.salvaged);
            if (h.salvaged) unreadable.add(id);
          } catch (e) {
            if (e instanceof ObjectNotFoundError) packs.delete(id);
            else unreadable.add(id);
          }
        }),
      );
    }
    return { packs, unreadable };
  }

  /** The pack ids and segment names a condemned list holds. */
  condemnedNames(condemned: Condemned | null): { packs: Set<string>; segments: Set<string> } {
    const packs = new Set<string>();
    const segments = new Set<string>();
    for (const k of condemned?.objects ?? []) {
      const name = k.slice(k.lastIndexOf('/') + 1);
      if (k.startsWith(`${this.prefix}packs/`)) packs.add(name);
      else if (k.startsWith(`${this.prefix}segments/`)) segments.add(name);
    }
    return { packs, segments };
  }

  async readCondemned(): Promise<Condemned | null> {
    try {
      return JSON.parse((await this.store.get(this.condemnedKey)).toString('utf8')) as Condemned;
    } catch (e) {
      if (e instanceof ObjectNotFoundError) return null;
      if (e instanceof SyntaxError) return null; // a torn list is only a proposal: ignoring it is safe
      throw e;
    }
  }
}
