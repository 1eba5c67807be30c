// Vaults and the resources bound to them (cbr_vaults, cbr_vault_resources).
import type { Vault, VaultResource } from '../../domain/cbr-model.js';
import {
  MarkerNotFoundError,
  ResourceAlreadyBoundError,
  type VaultFigures,
  type VaultListFilter,
  type VaultPatch,
  type VaultRepository,
} from '../../domain/ports/cbr-repositories.js';
import type { CbrVaultsTable } from '../cbr-schema.js';
import { countRows, pageOf } from '../paging.js';
import { b01, num, rowToResource, rowToVault, vaultToRow } from './rows.js';
import { type CbrDb, atomically } from './sql.js';
import { bindRulesOf, forgetTags, putTags, setBindRules, tagsOfMany } from './tags.js';
import { vaultFigures } from './vault-figures.js';

export class SqlVaultRepository implements VaultRepository {
  constructor(private readonly db: CbrDb) {}

  async insertVault(v: Vault): Promise<void> {
    await atomically(this.db, async (tx) => {
      await tx.insertInto('cbr_vaults').values(vaultToRow(v)).execute();
      await insertResources(tx, v.id, v.projectId, v.resources, v.createdAt);
      await putTags(tx, 'vault', v.projectId, v.id, v.tags);
      await setBindRules(tx, v.id, v.bindRules);
    });
  }

  async getVault(projectId: string, id: string): Promise<Vault | null> {
    const row = await this.db
      .selectFrom('cbr_vaults')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    if (!row) return null;
    const [v] = await this.withResources([row]);
    return v ?? null;
  }

  async listVaults(f: VaultListFilter): Promise<{ items: Vault[]; count: number }> {
    let q = this.db.selectFrom('cbr_vaults').where('project_id', '=', f.projectId);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.objectType !== undefined) q = q.where('object_type', '=', f.objectType);
    if (f.protectType !== undefined) q = q.where('protect_type', '=', f.protectType);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.ids?.length) q = q.where('id', 'in', f.ids);
    if (f.policyId !== undefined) q = q.where('backup_policy_id', '=', f.policyId);
    if (f.enterpriseProjectId !== undefined && f.enterpriseProjectId !== 'all_granted_eps')
      q = q.where('enterprise_project_id', '=', f.enterpriseProjectId);
    if (f.resourceIds?.length) {
      const ids = f.resourceIds;
      q = q.where('id', 'in', (eb) =>
        eb
          .selectFrom('cbr_vault_resources')
          .select('vault_id')
          .where('project_id', '=', f.projectId)
          .where('resource_id', 'in', ids),
      );
    }
    const count = await countRows(q);
    if (f.marker !== undefined) {
      // Pages run newest first with the id breaking ties (countThenPage's order): after the marker is below it.
      const m = await this.db
        .selectFrom('cbr_vaults')
        .select(['created_at', 'id'])
        .where('id', '=', f.marker)
        .where('project_id', '=', f.projectId)
        .executeTakeFirst();
      if (!m) throw new MarkerNotFoundError(f.marker);
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', m.created_at),
          eb.and([eb('created_at', '=', m.created_at), eb('id', '<', m.id)]),
        ]),
      );
    }
    return { items: await this.withResources(await pageOf(q, f)), count };
  }

  async updateVault(id: string, patch: VaultPatch): Promise<void> {
    const set: Partial<CbrVaultsTable> = { updated_at: patch.updatedAt };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.sizeGb !== undefined) set.size_gb = patch.sizeGb;
    if (patch.consistentLevel !== undefined) set.consistent_level = patch.consistentLevel;
    if (patch.autoBind !== undefined) set.auto_bind = b01(patch.autoBind);
    if (patch.autoExpand !== undefined) set.auto_expand = b01(patch.autoExpand);
    if (patch.smnNotify !== undefined) set.smn_notify = b01(patch.smnNotify);
    if (patch.threshold !== undefined) set.threshold = patch.threshold;
    if (patch.locked !== undefined) set.locked = b01(patch.locked);
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.backupPolicyId !== undefined) set.backup_policy_id = patch.backupPolicyId;
    const rules = patch.bindRules;
    await atomically(this.db, async (tx) => {
      await tx.updateTable('cbr_vaults').set(set).where('id', '=', id).execute();
      if (rules !== undefined) await setBindRules(tx, id, rules);
    });
  }

  async setVaultUsedBytes(id: string, bytes: number): Promise<void> {
    await this.db.updateTable('cbr_vaults').set({ used_bytes: bytes }).where('id', '=', id).execute();
  }

  async vaultsInStatus(statuses: string[]): Promise<Vault[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db.selectFrom('cbr_vaults').selectAll().where('status', 'in', statuses).execute();
    const out: Vault[] = [];
    // withResources reads one project's backups at a time.
    for (const r of rows) out.push(...(await this.withResources([r])));
    return out;
  }

  /** Removes the vault, its resource bindings, checkpoints and backup rows (data must be gone first). */
  async deleteVault(id: string): Promise<void> {
    await atomically(this.db, async (tx) => {
      await tx
        .deleteFrom('cinder_backups')
        .where('backup_id', 'in', tx.selectFrom('cbr_backups').select('id').where('vault_id', '=', id))
        .execute();
      await tx
        .deleteFrom('cbr_backup_members')
        .where('backup_id', 'in', tx.selectFrom('cbr_backups').select('id').where('vault_id', '=', id))
        .execute();
      await tx.deleteFrom('cbr_backups').where('vault_id', '=', id).execute();
      await tx.deleteFrom('cbr_checkpoints').where('vault_id', '=', id).execute();
      await tx.deleteFrom('cbr_vault_resources').where('vault_id', '=', id).execute();
      await forgetTags(tx, 'vault', id);
      await setBindRules(tx, id, []);
      await tx.deleteFrom('cbr_vaults').where('id', '=', id).execute();
    });
  }

  async addResources(
    vaultId: string,
    projectId: string,
    resources: VaultResource[],
    at: string,
  ): Promise<void> {
    await atomically(this.db, async (tx) => {
      await insertResources(tx, vaultId, projectId, resources, at);
    });
  }

  async removeResources(vaultId: string, resourceIds: string[]): Promise<void> {
    if (resourceIds.length === 0) return;
    await this.db
      .deleteFrom('cbr_vault_resources')
      .where('vault_id', '=', vaultId)
      .where('resource_id', 'in', resourceIds)
      .execute();
  }

  async setResourceProtectStatus(vaultId: string, resourceId: string, status: string): Promise<void> {
    await this.db
      .updateTable('cbr_vault_resources')
      .set({ protect_status: status })
      .where('vault_id', '=', vaultId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async setResourcesSuspended(vaultId: string, resourceIds: string[], suspended: boolean): Promise<void> {
    if (resourceIds.length === 0) return;
    await this.db
      .updateTable('cbr_vault_resources')
      .set({ suspended: suspended ? 1 : 0 })
      .where('vault_id', '=', vaultId)
      .where('resource_id', 'in', resourceIds)
      .execute();
  }

  async vaultOfResource(projectId: string, resourceId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('cbr_vault_resources')
      .select('vault_id')
      .where('project_id', '=', projectId)
      .where('resource_id', '=', resourceId)
      .executeTakeFirst();
    return r?.vault_id ?? null;
  }

  async projectUsage(projectId: string): Promise<{ sizeGb: number; usedBytes: number }> {
    const r = await this.db
      .selectFrom('cbr_vaults')
      .select((eb) => [
        eb.fn.sum<number | string>('size_gb').as('s'),
        eb.fn.sum<number | string>('used_bytes').as('u'),
      ])
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return { sizeGb: num(r?.s), usedBytes: num(r?.u) };
  }

  vaultFigures(): Promise<VaultFigures[]> {
    return vaultFigures(this.db);
  }

  private async withResources(rows: CbrVaultsTable[]): Promise<Vault[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const res = await this.db
      .selectFrom('cbr_vault_resources')
      .selectAll()
      .where('vault_id', 'in', ids)
      .execute();
    const stats = await this.db
      .selectFrom('cbr_backups')
      .select((eb) => [
        'vault_id',
        'resource_id',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.sum<number | string>('stored_bytes').as('bytes'),
      ])
      .where('project_id', '=', rows[0]!.project_id)
      .where('parent_id', 'is', null)
      .where('vault_id', 'in', ids)
      .where('status', '!=', 'error')
      .groupBy(['vault_id', 'resource_id'])
      .execute();
    const statOf = new Map(stats.map((s) => [`${s.vault_id}/${s.resource_id}`, s]));
    const tags = await tagsOfMany(this.db, 'vault', ids);
    const rules = await bindRulesOf(this.db, ids);
    return rows.map((r) => {
      const mine = res
        .filter((x) => x.vault_id === r.id)
        .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
      const v = rowToVault(
        r,
        mine.map((x) => {
          const s = statOf.get(`${r.id}/${x.resource_id}`);
          return rowToResource(x, num(s?.n), num(s?.bytes));
        }),
      );
      v.tags = tags.get(r.id) ?? [];
      v.bindRules = rules.get(r.id) ?? [];
      return v;
    });
  }
}

async function insertResources(
  tx: CbrDb,
  vaultId: string,
  projectId: string,
  resources: VaultResource[],
  at: string,
): Promise<void> {
  for (const r of resources) {
    const bound = await tx
      .selectFrom('cbr_vault_resources')
      .select('vault_id')
      .where('project_id', '=', projectId)
      .where('resource_id', '=', r.id)
      .executeTakeFirst();
    if (bound) throw new ResourceAlreadyBoundError(r.id);
    await tx
      .insertInto('cbr_vault_resources')
      .values({
        project_id: projectId,
        vault_id: vaultId,
        resource_id: r.id,
        kind: r.kind,
        name: r.name,
        size_gb: r.sizeGb,
        protect_status: r.protectStatus,
        exclude_volumes: JSON.stringify(r.excludeVolumes),
        created_at: at,
        suspended: r.suspended ? 1 : 0,
      })
      .execute();
  }
}
