// Backups and their disk children (cbr_backups). No cache here: see src/catalog/backup-read-cache.ts.
import type { CompiledQuery } from 'kysely';
import { BACKING_UP } from '../../domain/backup-status.js';
import type { Backup, BackupFilter, BackupPage, BackupStatus, ResourceKind } from '../../domain/cbr-model.js';
import {
  type BackupList,
  type BackupPatch,
  type BackupRepository,
  type BackupTree,
  MarkerNotFoundError,
  type ResourceUsage,
} from '../../domain/ports/cbr-repositories.js';
import type { CbrBackupsTable } from '../cbr-schema.js';
import {
  backupCountQuery,
  backupPageQuery,
  backupTree,
  compileTreeQuery,
  markerQuery,
} from './backup-queries.js';
import { b01, backupToRow, num, rowToBackup } from './rows.js';
import { type CbrDb, atomically } from './sql.js';

export class SqlBackupRepository implements BackupRepository {
  private treeQuery: CompiledQuery<CbrBackupsTable> | undefined;
  constructor(private readonly db: CbrDb) {}

  async insertBackups(rows: Backup[]): Promise<void> {
    if (rows.length === 0) return;
    await atomically(this.db, async (tx) => {
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
    // Built and compiled once; each call only binds the id.
    this.treeQuery ??= compileTreeQuery(this.db);
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

  async updateBackup(id: string, patch: BackupPatch, onlyIfStatus?: BackupStatus[]): Promise<boolean> {
    const set: Partial<CbrBackupsTable> = { updated_at: patch.updatedAt };
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
  async transitionVaultBackups(
    vaultId: string,
    from: BackupStatus[],
    to: BackupStatus,
    at: string,
  ): Promise<number> {
    const r = await this.db
      .updateTable('cbr_backups')
      .set({ status: to, updated_at: at })
      .where('vault_id', '=', vaultId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async transitionBackupTree(
    id: string,
    from: BackupStatus[],
    to: BackupStatus,
    at: string,
  ): Promise<boolean> {
    return atomically(this.db, async (tx) => {
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
      .where('status', 'in', BACKING_UP)
      .execute();
    return new Set(rows.map((r) => r.resource_id));
  }

  /** Removes backup rows with what other protocols recorded about them (Cinder's attributes). */
  async deleteBackupRows(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await atomically(this.db, async (tx) => {
      await tx.deleteFrom('cinder_backups').where('backup_id', 'in', ids).execute();
      await tx.deleteFrom('cbr_backup_members').where('backup_id', 'in', ids).execute();
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

  async storageUsage(
    projectId: string,
    f: { resourceId?: string; kind?: ResourceKind },
  ): Promise<ResourceUsage[]> {
    let q = this.db
      .selectFrom('cbr_backups')
      .select((eb) => [
        'resource_id',
        'resource_kind',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.sum<number | string>('stored_bytes').as('bytes'),
        eb.fn.max('created_at').as('newest'),
      ])
      .where('project_id', '=', projectId)
      .where('parent_id', 'is', null)
      .where('status', '!=', 'error');
    if (f.resourceId) q = q.where('resource_id', '=', f.resourceId);
    if (f.kind) q = q.where('resource_kind', '=', f.kind);
    const groups = await q.groupBy(['resource_id', 'resource_kind']).orderBy('resource_id').execute();
    if (groups.length === 0) return [];
    // The name of each resource's newest backup (a resource renamed since keeps its latest name).
    const names = await this.db
      .selectFrom('cbr_backups')
      .select(['resource_id', 'resource_name', 'created_at'])
      .where('project_id', '=', projectId)
      .where('parent_id', 'is', null)
      .where(
        'resource_id',
        'in',
        groups.map((g) => g.resource_id),
      )
      .execute();
    const nameOf = new Map<string, { name: string; at: string }>();
    for (const r of names) {
      const seen = nameOf.get(r.resource_id);
      if (!seen || r.created_at > seen.at)
        nameOf.set(r.resource_id, { name: r.resource_name, at: r.created_at });
    }
    return groups.map((g) => ({
      resourceId: g.resource_id,
      resourceName: nameOf.get(g.resource_id)?.name ?? '',
      kind: g.resource_kind as ResourceKind,
      backupCount: num(g.n),
      storedBytes: num(g.bytes),
    }));
  }

  async listBackups(f: BackupFilter, page: BackupPage): Promise<BackupList> {
    const [c] = (await this.db.executeQuery(backupCountQuery(this.db, f).compile())).rows;
    const count = num(c?.n);
    if (count === 0) return { items: [], count };
    let m: CbrBackupsTable | undefined;
    if (page.marker !== undefined) {
      [m] = (await this.db.executeQuery(markerQuery(this.db, f, page.marker).compile())).rows;
      if (!m) throw new MarkerNotFoundError(page.marker);
    }
    const rows = await backupPageQuery(this.db, f, page, m).selectAll().execute();
    return { items: rows.map(rowToBackup), count };
  }
}
