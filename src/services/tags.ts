// Tags: a vault's tags (CreateVaultTags, BatchCreateAndDeleteVaultTags, DeleteVaultTag, ShowVaultTag), the
// project's tag keys and values, the resource-instance filter over vaults, and the tags of inventory servers
// and volumes. Auto-bind runs here: when a server or volume is declared or its tags change, the oldest
// auto_bind vault of its kind whose bind rules it matches takes it, in the same transaction as the tag write.
import type { Vault, VaultResource } from '../domain/cbr-model.js';
import { bytesToGb, disksSizeGb } from '../domain/cbr-rules.js';
import { AppError } from '../domain/errors.js';
import type { CommandRepositories } from '../domain/ports/unit-of-work.js';
import {
  MAX_TAGS,
  SYS_ENTERPRISE_PROJECT_KEY,
  type Tag,
  type TagFilter,
  type TagResourceKind,
  matchesBindRules,
  mergeTags,
  tagLimitError,
} from '../domain/tags.js';
import type { CbrDeps } from './cbr-deps.js';
import type { VaultService } from './vaults.js';

export type InventoryKind = Extract<TagResourceKind, 'server' | 'volume'>;

/** What tagging an inventory resource did: its tags now, and the vault auto-bind put it in (if any). */
export interface ResourceTagging {
  tags: Tag[];
  boundVaultId: string | null;
}

export class TagService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly vaults: VaultService,
  ) {}

  // ------------------------------------------------------------------ vault tags

  /** CreateVaultTags / the create half of the batch: same key = new value; at most 20 tags after the merge. */
  async addVaultTags(projectId: string, vaultId: string, tags: Tag[]): Promise<void> {
    const v = await this.vaults.get(projectId, vaultId);
    await this.deps.uow.run(async (r) => {
      // Writing the vault row first makes concurrent tag commands on the vault wait for each other (a row lock
      // on PostgreSQL, the write lock on SQLite), so two of them cannot both pass the 20-tag check.
      await r.vaults.updateVault(v.id, { updatedAt: this.deps.timestamp() });
      const merged = mergeTags(await r.tags.tagsOf('vault', v.id), tags);
      if (merged.length > MAX_TAGS) throw tagLimitError(v.id, merged.length);
      await r.tags.putTags('vault', projectId, v.id, tags);
    });
  }

  /** The delete half of the batch: missing keys (or a key with another value) are ignored. */
  async deleteVaultTags(
    projectId: string,
    vaultId: string,
    tags: Array<{ key: string; value?: string }>,
  ): Promise<void> {
    const v = await this.vaults.get(projectId, vaultId);
    await this.deps.uow.run((r) => r.tags.deleteTags('vault', v.id, tags));
  }

  /** DeleteVaultTag: the key (trimmed) must exist. */
  async deleteVaultTag(projectId: string, vaultId: string, rawKey: string): Promise<void> {
    const v = await this.vaults.get(projectId, vaultId);
    const key = rawKey.trim();
    const n = await this.deps.uow.run((r) => r.tags.deleteTags('vault', v.id, [{ key }]));
    if (n === 0) {
      throw new AppError('tag_not_found', `The key does not exist: vault ${v.id} has no tag ${key}.`, {
        field: 'key',
      });
    }
  }

  /** ShowVaultTag: the vault's tags, and its enterprise project as the one system tag. */
  async vaultTags(projectId: string, vaultId: string): Promise<{ tags: Tag[]; sysTags: Tag[] }> {
    const v = await this.vaults.get(projectId, vaultId);
    return { tags: v.tags, sysTags: [{ key: SYS_ENTERPRISE_PROJECT_KEY, value: v.enterpriseProjectId }] };
  }

  /** ShowVaultProjectTag: every key on the project's vaults with its distinct values. */
  async projectVaultTags(projectId: string): Promise<Array<{ key: string; values: string[] }>> {
    return this.deps.repos.tags.projectTags(projectId, 'vault');
  }

  /** ShowVaultResourceInstances: the vaults the filter keeps, one page (none when only counting). */
  async vaultInstances(
    projectId: string,
    filter: TagFilter,
    page: { limit: number; offset: number } | null,
  ): Promise<{ vaults: Vault[]; count: number }> {
    const { ids, count } = await this.deps.repos.tags.filterVaults(
      projectId,
      filter,
      page ?? { limit: 0, offset: 0 },
    );
    if (ids.length === 0) return { vaults: [], count };
    const { items } = await this.deps.repos.vaults.listVaults({
      projectId,
      ids,
      limit: ids.length,
      offset: 0,
    });
    const byId = new Map(items.map((v) => [v.id, v]));
    return { vaults: ids.flatMap((id) => byId.get(id) ?? []), count };
  }

  // ------------------------------------------------------------------ inventory tags

  async resourceTags(projectId: string, kind: InventoryKind, id: string): Promise<Tag[]> {
    await this.inventoryResource(projectId, kind, id);
    return this.deps.repos.tags.tagsOf(kind, id);
  }

  /**
   * Adds or overwrites tags of a server or volume (none: a resource just declared), then lets auto-bind take
   * it, in one transaction.
   */
  async tagResource(
    projectId: string,
    kind: InventoryKind,
    id: string,
    tags: Tag[],
  ): Promise<ResourceTagging> {
    const resource = await this.inventoryResource(projectId, kind, id);
    return this.deps.uow.run(async (r) => {
      const merged = mergeTags(await r.tags.tagsOf(kind, id), tags);
      if (merged.length > MAX_TAGS) throw tagLimitError(id, merged.length);
      await r.tags.putTags(kind, projectId, id, tags);
      return {
        tags: await r.tags.tagsOf(kind, id),
        boundVaultId: await this.autoBind(r, projectId, resource, merged),
      };
    });
  }

  /** Removes one tag of a server or volume; 404 when it has no such key. */
  async untagResource(projectId: string, kind: InventoryKind, id: string, rawKey: string): Promise<void> {
    await this.inventoryResource(projectId, kind, id);
    const key = rawKey.trim();
    const n = await this.deps.uow.run((r) => r.tags.deleteTags(kind, id, [{ key }]));
    if (n === 0) {
      throw new AppError('tag_not_found', `The key does not exist: ${kind} ${id} has no tag ${key}.`, {
        field: 'key',
      });
    }
  }

  /** Tags of many inventory resources (list views). */
  async tagsOfResource(kind: InventoryKind, id: string): Promise<Tag[]> {
    return this.deps.repos.tags.tagsOf(kind, id);
  }

  /** The resource as a vault would hold it (read before the transaction: the inventory is another port). */
  private async inventoryResource(
    projectId: string,
    kind: InventoryKind,
    id: string,
  ): Promise<VaultResource> {
    const base = { protectStatus: 'available' as const, excludeVolumes: [], backupCount: 0, backupBytes: 0 };
    if (kind === 'server') {
      const s = await this.deps.inventory.getServer(projectId, id);
      return {
        ...base,
        id: s.id,
        kind: 'server',
        name: s.name,
        sizeGb: disksSizeGb(s.volumes.map((v) => v.size)),
      };
    }
    const v = await this.deps.inventory.getVolume(projectId, id);
    return { ...base, id: v.id, kind: 'volume', name: v.name, sizeGb: bytesToGb(v.size) };
  }

  /** The vault auto-bind puts the resource in: none when it is in a vault already or no vault's rules match. */
  private async autoBind(
    r: CommandRepositories,
    projectId: string,
    resource: VaultResource,
    tags: Tag[],
  ): Promise<string | null> {
    if (await r.vaults.vaultOfResource(projectId, resource.id)) return null;
    const objectType = resource.kind === 'server' ? 'server' : 'disk';
    const vault = (await r.tags.autoBindVaults(projectId, objectType)).find((v) =>
      matchesBindRules(v.rules, tags),
    );
    if (!vault) return null;
    await r.vaults.addResources(vault.vaultId, projectId, [resource], this.deps.timestamp());
    return vault.vaultId;
  }
}
