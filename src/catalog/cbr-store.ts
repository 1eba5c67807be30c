// Persistence of vaults, checkpoints, backups and operation logs: the only place that knows the CBR tables.
// One Kysely query builder for SQLite and PostgreSQL; rows are converted to domain objects here.
import type { CompiledQuery, Expression, Kysely, SelectQueryBuilder, SqlBool } from 'kysely';
import type {
  Backup,
  BackupFilter,
  BackupPage,
  BackupStatus,
  Checkpoint,
  CheckpointResource,
  OperationLog,
  ResourceKind,
  SkippedResource,
  SortKey,
  Vault,
  VaultResource,
} from '../domain/cbr-model.js';
import type {
  CbrBackupsTable,
  CbrOperationLogsTable,
  CbrTables,
  CbrVaultResourcesTable,
  CbrVaultsTable,
} from './cbr-schema.js';
import type { CinderTables } from './cinder-tables.js';
import { type SqliteReadAccess, sqliteReadAccess } from './db.js';
import { countThenPage } from './paging.js';

const b01 = (v: boolean): number => (v ? 1 : 0);
const num = (v: number | string | null | undefined): number => (v == null ? 0 : Number(v));

/** CBR's tables, plus the rows other protocols keep per backup, which are deleted with the backup. */
type Db = Kysely<CbrTables & CinderTables>;
type BackupRow = CbrBackupsTable;

export class ResourceAlreadyBoundError extends Error {
  constructor(readonly resourceId: string) {
    super(`resource ${resourceId} is already in a vault`);
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

export class CbrStore {
  readonly db: Db;
  private treeQuery: CompiledQuery<CbrBackupsTable> | undefined;
  /** Synchronous reads on the embedded SQLite catalog (undefined on other databases). */
  private readonly sync: SqliteReadAccess | undefined;
  /**
   * ShowBackup's read-through cache: backup trees by id, valid for one catalog write generation only (any
   * write to the catalog, by any store or by another process on the same file, empties it), so it never
   * serves a row older than the catalog. Per process: a scale-out node sharing a PostgreSQL catalog gets no
   * `sqliteReadAccess` and reads the catalog every time.
   */
  private readonly trees = new Map<string, { backup: Backup; children: Backup[] } | null>();
  /** ListBackups' row cache (backups by id), under the same rule. */
  private readonly rows = new Map<string, Backup>();
  /** ListBackups' counts and page ids by filter and page, under the same rule. */
  private readonly results = new Map<string, { count: number; ids: string[] }>();
  private cacheGeneration = -1;
  // biome-ignore lint/suspicious/noExplicitAny: accepts the app's composed Database, which includes CbrTables.
  constructor(db: Kysely<any>) {
    this.db = db as Db;
    this.sync = sqliteReadAccess(db);
  }

  // ---------------------------------------------------------------- vaults

  async insertVault(v: Vault): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('cbr_vaults').values(vaultToRow(v)).execute();
      await insertResources(tx, v.id, v.projectId, v.resources, v.createdAt);
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
    const { items, count } = await countThenPage(q, f);
    return { items: await this.withResources(items), count };
  }

  async updateVault(
    id: string,
    patch: Partial<
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
      >
    > & { updatedAt: string },
  ): Promise<void> {
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
    await this.db.updateTable('cbr_vaults').set(set).where('id', '=', id).execute();
  }

  async setVaultUsedBytes(id: string, bytes: number): Promise<void> {
    await this.db.updateTable('cbr_vaults').set({ used_bytes: bytes }).where('id', '=', id).execute();
  }

  /** Removes the vault, its resource bindings, checkpoints and backup rows (data must be gone first). */
  async deleteVault(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom('cinder_backups')
        .where('backup_id', 'in', tx.selectFrom('cbr_backups').select('id').where('vault_id', '=', id))
        .execute();
      await tx.deleteFrom('cbr_backups').where('vault_id', '=', id).execute();
      await tx.deleteFrom('cbr_checkpoints').where('vault_id', '=', id).execute();
      await tx.deleteFrom('cbr_vault_resources').where('vault_id', '=', id).execute();
      await tx.deleteFrom('cbr_vaults').where('id', '=', id).execute();
    });
  }

  async addResources(
    vaultId: string,
    projectId: string,
    resources: VaultResource[],
    at: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
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
    return rows.map((r) => {
      const mine = res
        .filter((x) => x.vault_id === r.id)
        .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
      return rowToVault(
        r,
        mine.map((x) => {
          const s = statOf.get(`${r.id}/${x.resource_id}`);
          return rowToResource(x, num(s?.n), num(s?.bytes));
        }),
      );
    });
  }

  // ---------------------------------------------------------------- checkpoints

  async insertCheckpoint(c: Checkpoint): Promise<void> {
    await this.db
      .insertInto('cbr_checkpoints')
      .values({
        id: c.id,
        project_id: c.projectId,
        vault_id: c.vaultId,
        vault_name: c.vaultName,
        status: c.status,
        name: c.name,
        description: c.description,
        incremental: b01(c.incremental),
        auto_trigger: b01(c.autoTrigger),
        retention_days: c.retentionDays,
        resources_json: JSON.stringify(c.resources),
        skipped_json: JSON.stringify(c.skipped),
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
  }

  async getCheckpoint(projectId: string, id: string): Promise<Checkpoint | null> {
    const r = await this.db
      .selectFrom('cbr_checkpoints')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      projectId: r.project_id,
      vaultId: r.vault_id,
      vaultName: r.vault_name,
      status: r.status as Checkpoint['status'],
      name: r.name,
      description: r.description,
      incremental: r.incremental === 1,
      autoTrigger: r.auto_trigger === 1,
      retentionDays: r.retention_days,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      resources: JSON.parse(r.resources_json) as CheckpointResource[],
      skipped: JSON.parse(r.skipped_json) as SkippedResource[],
    };
  }

  async updateCheckpoint(
    id: string,
    patch: { status?: string; resources?: CheckpointResource[]; updatedAt: string },
  ): Promise<void> {
    const set: { status?: string; resources_json?: string; updated_at: string } = {
      updated_at: patch.updatedAt,
    };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.resources !== undefined) set.resources_json = JSON.stringify(patch.resources);
    await this.db.updateTable('cbr_checkpoints').set(set).where('id', '=', id).execute();
  }

  // ---------------------------------------------------------------- backups

  async insertBackups(rows: Backup[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      // Chunked: SQLite limits bound parameters per statement.
      for (let i = 0; i < rows.length; i += 500) {
        await tx
          .insertInto('cbr_backups')
          .values(rows.slice(i, i + 500).map(backupToRow))
          .execute();
      }
    });
  }

  async getBackup(id: string): Promise<Backup | null> {
    const r = await this.db.selectFrom('cbr_backups').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? rowToBackup(r) : null;
  }

  /** A backup and its disk children in one query (the ShowBackup hot path). */
  async getBackupTree(id: string): Promise<BackupTree | null> {
    // Built and compiled once; each call only binds the id (the hot path of ShowBackup).
    this.treeQuery ??= this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', '?'), eb('parent_id', '=', '?')]))
      .compile();
    const sync = this.sync;
    if (sync && !sync.inTransaction) {
      this.checkGeneration(sync);
      let t = this.trees.get(id);
      if (t === undefined) {
        t = backupTree(id, sync.reader(this.treeQuery.sql).all(id, id) as CbrBackupsTable[]);
        if (this.trees.size >= TREE_CACHE_MAX) this.trees.delete(this.trees.keys().next().value as string);
        this.trees.set(id, t);
      }
      // Copies: callers own what they get. The cache entry itself is the snapshot: the same object exactly as
      // long as these rows are served from the cache.
      return t && { backup: { ...t.backup }, children: t.children.map((c) => ({ ...c })), snapshot: t };
    }
    const { rows } = await this.db.executeQuery<CbrBackupsTable>({ ...this.treeQuery, parameters: [id, id] });
    return backupTree(id, rows);
  }

  async getChildren(parentId: string): Promise<Backup[]> {
    const rows = await this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('parent_id', '=', parentId)
      .orderBy('disk_index', 'asc')
      .execute();
    return rows.map(rowToBackup);
  }

  /** A checkpoint's top-level backups (one per resource; a server backup's disk children are left out). */
  async topBackupsOfCheckpoint(checkpointId: string): Promise<Backup[]> {
    const rows = await this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('checkpoint_id', '=', checkpointId)
      .where('parent_id', 'is', null)
      .orderBy('created_at', 'asc')
      .orderBy('disk_index', 'asc')
      .execute();
    return rows.map(rowToBackup);
  }

  async backupsOfVault(vaultId: string): Promise<Backup[]> {
    const rows = await this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .execute();
    return rows.map(rowToBackup);
  }

  async backupsInStatus(statuses: BackupStatus[]): Promise<Backup[]> {
    const rows = await this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('status', 'in', statuses)
      .execute();
    return rows.map(rowToBackup);
  }

  /** Newest available backup of a resource in a vault (the base of the next incremental). */
  async latestAvailable(
    projectId: string,
    vaultId: string,
    resourceId: string,
    topLevel: boolean,
  ): Promise<Backup | null> {
    let q = this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('resource_id', '=', resourceId)
      .where('vault_id', '=', vaultId)
      .where('status', '=', 'available');
    q = topLevel ? q.where('parent_id', 'is', null) : q.where('parent_id', 'is not', null);
    const r = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r ? rowToBackup(r) : null;
  }

  async updateBackup(
    id: string,
    patch: Partial<
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
    > & { updatedAt: string },
    onlyIfStatus?: BackupStatus[],
  ): Promise<boolean> {
    const set: Partial<BackupRow> = { updated_at: patch.updatedAt };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.progress !== undefined) set.progress = patch.progress;
    if (patch.failReason !== undefined) set.fail_reason = patch.failReason;
    if (patch.protectedAt !== undefined) set.protected_at = patch.protectedAt ?? '';
    if (patch.storedBytes !== undefined) set.stored_bytes = patch.storedBytes;
    if (patch.volumeBytes !== undefined) set.volume_bytes = patch.volumeBytes;
    if (patch.resourceSizeGb !== undefined) set.resource_size_gb = patch.resourceSizeGb;
    if (patch.incremental !== undefined) set.incremental = b01(patch.incremental);
    if (patch.baseBackupId !== undefined) set.base_backup_id = patch.baseBackupId;
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    let q = this.db.updateTable('cbr_backups').set(set).where('id', '=', id);
    if (onlyIfStatus) q = q.where('status', 'in', onlyIfStatus);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Atomically moves a backup (and, for a server backup, its children) into a new status when in one of `from`. */
  async transitionBackupTree(
    id: string,
    from: BackupStatus[],
    to: BackupStatus,
    at: string,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('cbr_backups')
        .set({ status: to, updated_at: at })
        .where('id', '=', id)
        .where('status', 'in', from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await tx
        .updateTable('cbr_backups')
        .set({ status: to, updated_at: at })
        .where('parent_id', '=', id)
        .where('status', 'in', from)
        .execute();
      return true;
    });
  }

  /** Which of these resources (servers or disks) have a backup being taken right now. */
  async resourcesBeingBackedUp(projectId: string, resourceIds: string[]): Promise<Set<string>> {
    if (resourceIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('cbr_backups')
      .select('resource_id')
      .where('project_id', '=', projectId)
      .where('resource_id', 'in', resourceIds)
      .where('status', 'in', ['protecting', 'waiting_protect'])
      .execute();
    return new Set(rows.map((r) => r.resource_id));
  }

  /** Targets (server or volume ids) of restores that have not finished. */
  async resourcesBeingRestored(projectId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('cbr_operation_logs')
      .select('target_resource_id')
      .where('project_id', '=', projectId)
      .where('operation_type', '=', 'restore')
      .where('status', 'in', ['waiting', 'running'])
      .execute();
    return new Set(rows.map((r) => r.target_resource_id).filter((x): x is string => x !== null));
  }

  /** Removes backup rows with what other protocols recorded about them (Cinder's attributes). */
  async deleteBackupRows(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('cinder_backups').where('backup_id', 'in', ids).execute();
      await tx.deleteFrom('cbr_backups').where('id', 'in', ids).execute();
    });
  }

  /** Backups (any vault) incremental to one of `ids`: the engine must keep what they share. */
  async dependants(ids: string[]): Promise<Backup[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('base_backup_id', 'in', ids)
      .execute();
    return rows.map(rowToBackup);
  }

  async listBackups(f: BackupFilter, page: BackupPage): Promise<BackupList> {
    const sync = this.sync;
    if (sync && !sync.inTransaction) return this.listBackupsSync(sync, f, page);
    const [c] = (await this.db.executeQuery(this.backupCountQuery(f).compile())).rows;
    const count = num(c?.n);
    if (count === 0) return { items: [], count };
    let m: CbrBackupsTable | undefined;
    if (page.marker !== undefined) {
      [m] = (await this.db.executeQuery(this.markerQuery(f, page.marker).compile())).rows;
      if (!m) throw new MarkerNotFoundError(page.marker);
    }
    const rows = await this.backupPageQuery(f, page, m).selectAll().execute();
    return { items: rows.map(rowToBackup), count };
  }

  /**
   * ListBackups on the embedded SQLite catalog, in one synchronous step (so no write can interleave). The
   * count and the page's ids come from the filter+sort indexes, the rows by id; each of the three is reused
   * while the catalog has not been written since it was read (see `trees`). Materialising 100 rows of 32
   * columns is most of the SQL cost, counting a few thousand index entries the rest.
   */
  private listBackupsSync(sync: SqliteReadAccess, f: BackupFilter, page: BackupPage): BackupList {
    const run = <R>(q: { compile(): CompiledQuery<R> }): R[] => {
      const c = q.compile();
      return sync.reader(c.sql).all(c.parameters as unknown[]) as R[];
    };
    this.checkGeneration(sync);
    // The filter and page determine the query (and, within one generation, the marker row): a hit builds no SQL.
    const key = JSON.stringify([f, page]);
    let hit = this.results.get(key);
    if (!hit) {
      const count = num(run(this.backupCountQuery(f))[0]?.n);
      let ids: string[] = [];
      if (count > 0) {
        let m: CbrBackupsTable | undefined;
        if (page.marker !== undefined) {
          [m] = run(this.markerQuery(f, page.marker));
          if (!m) throw new MarkerNotFoundError(page.marker);
        }
        ids = run(this.backupPageQuery(f, page, m).select('id')).map((r) => r.id);
      }
      hit = { count, ids };
      if (this.results.size >= RESULT_CACHE_MAX)
        this.results.delete(this.results.keys().next().value as string);
      this.results.set(key, hit);
    }
    const { count, ids } = hit;
    // The (filter, page) entry is the snapshot: the same object exactly while this page is served from the cache.
    if (count === 0) return lazyCopies(count, [], hit);
    let rows: Backup[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const b = this.rows.get(id);
      if (b) rows.push(b);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const found = new Map<string, Backup>(rows.map((b) => [b.id, b]));
      for (const r of run(this.db.selectFrom('cbr_backups').selectAll().where('id', 'in', missing))) {
        const b = rowToBackup(r);
        found.set(r.id, b);
        if (this.rows.size >= ROW_CACHE_MAX) this.rows.delete(this.rows.keys().next().value as string);
        this.rows.set(r.id, b);
      }
      rows = [];
      for (const id of ids) {
        const b = found.get(id);
        if (b) rows.push(b);
      }
    }
    return lazyCopies(count, rows, hit);
  }

  /** Empties the read caches when the catalog has been written since they were filled. */
  private checkGeneration(sync: SqliteReadAccess): void {
    const gen = sync.generation();
    if (gen !== this.cacheGeneration) {
      this.trees.clear();
      this.rows.clear();
      this.results.clear();
      this.cacheGeneration = gen;
    }
  }

  private backupCountQuery(f: BackupFilter) {
    return applyBackupFilter(this.db.selectFrom('cbr_backups'), f).select((eb) =>
      eb.fn.countAll<number | string>().as('n'),
    );
  }

  private markerQuery(f: BackupFilter, marker: string) {
    return this.db
      .selectFrom('cbr_backups')
      .selectAll()
      .where('id', '=', marker)
      .where('project_id', '=', f.projectId);
  }

  /** The filtered, sorted page (no columns selected yet); `m` is the marker row. */
  private backupPageQuery(f: BackupFilter, page: BackupPage, m: CbrBackupsTable | undefined) {
    const sort = [...page.sort];
    if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]?.dir ?? 'desc' });
    let q = applyBackupFilter(this.db.selectFrom('cbr_backups'), f);
    if (m) {
      q = q.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        for (let i = 0; i < sort.length; i++) {
          const ands: Expression<SqlBool>[] = [];
          for (let j = 0; j < i; j++) {
            const k = sort[j]!.key;
            ands.push(eb(k, '=', m[k]));
          }
          const s = sort[i]!;
          ands.push(eb(s.key, s.dir === 'asc' ? '>' : '<', m[s.key]));
          ors.push(eb.and(ands));
        }
        return eb.or(ors);
      });
    }
    for (const s of sort) q = q.orderBy(s.key, s.dir);
    return q.limit(page.limit).offset(page.offset);
  }

  // ---------------------------------------------------------------- operation logs

  async insertOplog(o: OperationLog): Promise<void> {
    await this.db.insertInto('cbr_operation_logs').values(oplogToRow(o)).execute();
  }

  async updateOplog(
    id: string,
    patch: Partial<
      Pick<OperationLog, 'status' | 'progress' | 'endedAt' | 'errorCode' | 'errorMessage' | 'incremental'>
    > & {
      updatedAt: string;
    },
  ): Promise<void> {
    const set: Partial<CbrOperationLogsTable> = { updated_at: patch.updatedAt };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.progress !== undefined) set.progress = patch.progress;
    if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
    if (patch.errorCode !== undefined) set.error_code = patch.errorCode;
    if (patch.errorMessage !== undefined) set.error_message = patch.errorMessage;
    if (patch.incremental !== undefined)
      set.incremental = patch.incremental === null ? null : b01(patch.incremental);
    await this.db.updateTable('cbr_operation_logs').set(set).where('id', '=', id).execute();
  }

  async getOplog(projectId: string, id: string): Promise<OperationLog | null> {
    const r = await this.db
      .selectFrom('cbr_operation_logs')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return r ? rowToOplog(r) : null;
  }

  async oplogsInStatus(statuses: string[]): Promise<OperationLog[]> {
    const rows = await this.db
      .selectFrom('cbr_operation_logs')
      .selectAll()
      .where('status', 'in', statuses)
      .execute();
    return rows.map(rowToOplog);
  }

  async listOplogs(f: OplogListFilter): Promise<{ items: OperationLog[]; count: number }> {
    let q = this.db.selectFrom('cbr_operation_logs').where('project_id', '=', f.projectId);
    if (f.operationType !== undefined) q = q.where('operation_type', '=', f.operationType);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.vaultId !== undefined) q = q.where('vault_id', '=', f.vaultId);
    if (f.vaultName !== undefined) q = q.where('vault_name', '=', f.vaultName);
    if (f.resourceId !== undefined) q = q.where('resource_id', '=', f.resourceId);
    if (f.resourceName !== undefined) q = q.where('resource_name', '=', f.resourceName);
    if (f.providerKind !== undefined) q = q.where('provider_kind', '=', f.providerKind);
    if (f.startedFrom !== undefined) q = q.where('started_at', '>=', f.startedFrom);
    if (f.startedTo !== undefined) q = q.where('started_at', '<=', f.startedTo);
    const { items, count } = await countThenPage(q, f);
    return { items: items.map(rowToOplog), count };
  }
}

/** A backup and its disk children (a server backup's disks, in disk order). */
export interface BackupTree {
  backup: Backup;
  children: Backup[];
  /**
   * Present when the tree comes from the catalog's read cache: an opaque object that is the same for every
   * answer built from the same catalog rows and a different one once they may have changed (any catalog write
   * ends a cache generation). Lets a caller keep something derived from the tree (a serialized answer) in a
   * WeakMap keyed on it, with the same freshness as the cache itself.
   */
  snapshot?: object;
}

/** A ListBackups page and the number of backups matching the filter. */
export interface BackupList {
  /** The caller's own copies (from the read cache, made when first read). */
  items: Backup[];
  count: number;
  /**
   * Present when the page comes from the catalog's read cache: an opaque object that is the same for every
   * answer to the same filter and page built from the same catalog rows, and a different one once they may
   * have changed (as BackupTree.snapshot).
   */
  snapshot?: object;
}

export class MarkerNotFoundError extends Error {
  constructor(readonly marker: string) {
    super(`marker ${marker} is not a backup of this project`);
  }
}

const GIB = 1024 ** 3;

/** Backup trees kept by CbrStore.getBackupTree (about 2–3 KB each). */
const TREE_CACHE_MAX = 20_000;
/** Backups kept by CbrStore.listBackups (about 1 KB each). */
const ROW_CACHE_MAX = 50_000;
/** ListBackups counts and page ids kept by CbrStore.listBackups. */
const RESULT_CACHE_MAX = 2000;

/**
 * A page whose items are copied from the cached rows when first read, not before: a caller that already holds
 * what it derived from the snapshot (a serialized answer) reads none of them, and copying 100 rows of 32 fields
 * was a quarter of a cached ListBackups' CPU. The cached rows are never modified (a write only empties the
 * caches), so the copies are the rows of this call's generation whenever they are made.
 */
function lazyCopies(count: number, rows: readonly Backup[], snapshot: object): BackupList {
  let items: Backup[] | undefined;
  return {
    count,
    snapshot,
    get items(): Backup[] {
      items ??= rows.map((b) => ({ ...b }));
      return items;
    },
    set items(v: Backup[]) {
      items = v;
    },
  };
}

function backupTree(id: string, rows: CbrBackupsTable[]): { backup: Backup; children: Backup[] } | null {
  const top = rows.find((r) => r.id === id);
  if (!top) return null;
  const children = rows.filter((r) => r.id !== id).sort((a, b) => a.disk_index - b.disk_index);
  return { backup: rowToBackup(top), children: children.map(rowToBackup) };
}

function applyBackupFilter<O>(
  q: SelectQueryBuilder<CbrTables, 'cbr_backups', O>,
  f: BackupFilter,
): SelectQueryBuilder<CbrTables, 'cbr_backups', O> {
  q = q.where('project_id', '=', f.projectId);
  if (f.parentId === null) q = q.where('parent_id', 'is', null);
  else if (f.parentId !== undefined) q = q.where('parent_id', '=', f.parentId);
  if (f.vaultId !== undefined) q = q.where('vault_id', '=', f.vaultId);
  if (f.checkpointId !== undefined) q = q.where('checkpoint_id', '=', f.checkpointId);
  if (f.resourceId !== undefined) q = q.where('resource_id', '=', f.resourceId);
  if (f.statuses?.length)
    q =
      f.statuses.length === 1 ? q.where('status', '=', f.statuses[0]!) : q.where('status', 'in', f.statuses);
  if (f.imageType !== undefined) q = q.where('image_type', '=', f.imageType);
  if (f.incremental !== undefined) q = q.where('incremental', '=', f.incremental ? 1 : 0);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.resourceAz !== undefined) q = q.where('resource_az', '=', f.resourceAz);
  if (f.resourceName !== undefined) q = q.where('resource_name', '=', f.resourceName);
  if (f.resourceKind !== undefined) q = q.where('resource_kind', '=', f.resourceKind);
  if (f.createdFrom !== undefined) q = q.where('created_at', '>=', f.createdFrom);
  if (f.createdTo !== undefined) q = q.where('created_at', '<=', f.createdTo);
  if (f.enterpriseProjectId !== undefined && f.enterpriseProjectId !== 'all_granted_eps')
    q = q.where('enterprise_project_id', '=', f.enterpriseProjectId);
  // No dedicated cloud and no sharing (yet): these filters select nothing, honestly, rather than being ignored.
  const none = f.dedicatedCloud === true || f.ownType === 'shared' || f.memberStatus !== undefined;
  if (none) q = q.where((eb) => eb.lit(false));
  if (f.usedPercentAtLeast !== undefined) {
    const p = f.usedPercentAtLeast;
    q = q.where('vault_id', 'in', (eb) =>
      eb
        .selectFrom('cbr_vaults')
        .select('cbr_vaults.id')
        .where('cbr_vaults.project_id', '=', f.projectId)
        .where((e) => e(e('cbr_vaults.used_bytes', '*', 100), '>=', e('cbr_vaults.size_gb', '*', p * GIB))),
    );
  }
  return q;
}

function vaultToRow(v: Vault): CbrVaultsTable {
  return {
    id: v.id,
    project_id: v.projectId,
    user_id: v.userId,
    name: v.name,
    description: v.description,
    object_type: v.objectType,
    protect_type: v.protectType,
    consistent_level: v.consistentLevel,
    charging_mode: v.chargingMode,
    size_gb: v.sizeGb,
    used_bytes: v.usedBytes,
    status: v.status,
    enterprise_project_id: v.enterpriseProjectId,
    backup_policy_id: v.backupPolicyId,
    auto_bind: b01(v.autoBind),
    auto_expand: b01(v.autoExpand),
    smn_notify: b01(v.smnNotify),
    threshold: v.threshold,
    locked: b01(v.locked),
    availability_zone: v.availabilityZone,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

function rowToVault(r: CbrVaultsTable, resources: VaultResource[]): Vault {
  return {
    id: r.id,
    projectId: r.project_id,
    userId: r.user_id,
    name: r.name,
    description: r.description,
    objectType: r.object_type as Vault['objectType'],
    protectType: r.protect_type as Vault['protectType'],
    consistentLevel: r.consistent_level as Vault['consistentLevel'],
    chargingMode: r.charging_mode as Vault['chargingMode'],
    sizeGb: r.size_gb,
    usedBytes: num(r.used_bytes),
    status: r.status as Vault['status'],
    enterpriseProjectId: r.enterprise_project_id,
    backupPolicyId: r.backup_policy_id,
    autoBind: r.auto_bind === 1,
    autoExpand: r.auto_expand === 1,
    smnNotify: r.smn_notify === 1,
    threshold: r.threshold,
    locked: r.locked === 1,
    availabilityZone: r.availability_zone,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resources,
  };
}

function rowToResource(r: CbrVaultResourcesTable, backupCount: number, backupBytes: number): VaultResource {
  return {
    id: r.resource_id,
    kind: r.kind as ResourceKind,
    name: r.name,
    sizeGb: r.size_gb,
    protectStatus: r.protect_status as VaultResource['protectStatus'],
    excludeVolumes: JSON.parse(r.exclude_volumes) as string[],
    backupCount,
    backupBytes,
  };
}

async function insertResources(
  tx: Db,
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
      })
      .execute();
  }
}

function backupToRow(b: Backup): BackupRow {
  return {
    id: b.id,
    project_id: b.projectId,
    vault_id: b.vaultId,
    checkpoint_id: b.checkpointId,
    parent_id: b.parentId,
    name: b.name,
    description: b.description,
    image_type: b.imageType,
    status: b.status,
    resource_id: b.resourceId,
    resource_kind: b.resourceKind,
    resource_name: b.resourceName,
    resource_size_gb: b.resourceSizeGb,
    resource_az: b.resourceAz,
    enterprise_project_id: b.enterpriseProjectId,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    protected_at: b.protectedAt ?? '',
    expired_at: b.expiredAt,
    incremental: b01(b.incremental),
    auto_trigger: b01(b.autoTrigger),
    bootable: b01(b.bootable),
    system_disk: b01(b.systemDisk),
    encrypted: b01(b.encrypted),
    disk_index: b.diskIndex,
    progress: b.progress,
    fail_reason: b.failReason,
    volume_bytes: b.volumeBytes,
    stored_bytes: b.storedBytes,
    engine_backup_id: b.engineBackupId,
    base_backup_id: b.baseBackupId,
    user_id: b.userId ?? null,
  };
}

export function rowToBackup(r: BackupRow): Backup {
  return {
    id: r.id,
    projectId: r.project_id,
    vaultId: r.vault_id,
    checkpointId: r.checkpoint_id,
    parentId: r.parent_id,
    name: r.name,
    description: r.description,
    imageType: r.image_type as Backup['imageType'],
    status: r.status as BackupStatus,
    resourceId: r.resource_id,
    resourceKind: r.resource_kind as ResourceKind,
    resourceName: r.resource_name,
    resourceSizeGb: r.resource_size_gb,
    resourceAz: r.resource_az,
    enterpriseProjectId: r.enterprise_project_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    protectedAt: r.protected_at === '' ? null : r.protected_at,
    expiredAt: r.expired_at,
    incremental: r.incremental === 1,
    autoTrigger: r.auto_trigger === 1,
    bootable: r.bootable === 1,
    systemDisk: r.system_disk === 1,
    encrypted: r.encrypted === 1,
    diskIndex: r.disk_index,
    progress: r.progress,
    failReason: r.fail_reason,
    volumeBytes: num(r.volume_bytes),
    storedBytes: num(r.stored_bytes),
    engineBackupId: r.engine_backup_id,
    baseBackupId: r.base_backup_id,
    userId: r.user_id ?? null,
  };
}

/** Wire-independent row form, exported so that tests and the benchmark can seed the catalog directly. */
export { backupToRow };

function oplogToRow(o: OperationLog): CbrOperationLogsTable {
  return {
    id: o.id,
    project_id: o.projectId,
    operation_type: o.operationType,
    status: o.status,
    created_at: o.createdAt,
    started_at: o.startedAt,
    updated_at: o.updatedAt,
    ended_at: o.endedAt,
    checkpoint_id: o.checkpointId,
    vault_id: o.vaultId,
    vault_name: o.vaultName,
    provider_kind: o.providerKind,
    resource_id: o.resourceId,
    resource_name: o.resourceName,
    backup_id: o.backupId,
    backup_name: o.backupName,
    incremental: o.incremental === null ? null : b01(o.incremental),
    target_resource_id: o.targetResourceId,
    target_resource_name: o.targetResourceName,
    progress: o.progress,
    error_code: o.errorCode,
    error_message: o.errorMessage,
  };
}

function rowToOplog(r: CbrOperationLogsTable): OperationLog {
  return {
    id: r.id,
    projectId: r.project_id,
    operationType: r.operation_type as OperationLog['operationType'],
    status: r.status as OperationLog['status'],
    createdAt: r.created_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
    checkpointId: r.checkpoint_id,
    vaultId: r.vault_id,
    vaultName: r.vault_name,
    providerKind: r.provider_kind as ResourceKind,
    resourceId: r.resource_id,
    resourceName: r.resource_name,
    backupId: r.backup_id,
    backupName: r.backup_name,
    incremental: r.incremental === null ? null : r.incremental === 1,
    targetResourceId: r.target_resource_id,
    targetResourceName: r.target_resource_name,
    progress: r.progress,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

export type { SortKey };
