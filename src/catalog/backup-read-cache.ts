// ShowBackup's and ListBackups' read-through cache on the embedded SQLite catalog: a wrapper implementing the
// same BackupRepository port, so the repository itself stays cache-free and other catalogs (PostgreSQL, shared
// by several nodes) simply do not wrap theirs.
import type { CompiledQuery, Kysely } from 'kysely';
import type { Backup, BackupFilter, BackupPage, BackupStatus, ResourceKind } from '../domain/cbr-model.js';
import {
  type BackupList,
  type BackupPatch,
  type BackupRepository,
  type BackupTree,
  MarkerNotFoundError,
  type ResourceUsage,
} from '../domain/ports/cbr-repositories.js';
import type { CbrBackupsTable } from './cbr-schema.js';
import { type SqliteReadAccess, sqliteReadAccess } from './db.js';
import {
  backupCountQuery,
  backupPageQuery,
  backupTree,
  compileTreeQuery,
  markerQuery,
} from './repositories/backup-queries.js';
import { num, rowToBackup } from './repositories/rows.js';
import type { CbrDb } from './repositories/sql.js';

/**
 * Wraps `inner` with the read cache when `db` is an embedded SQLite catalog opened by openCatalogDb; returns
 * `inner` unchanged otherwise.
 */
export function withSqliteReadCache(
  inner: BackupRepository,
  // biome-ignore lint/suspicious/noExplicitAny: any catalog handle (the composed Database or the CBR tables).
  db: Kysely<any>,
): BackupRepository {
  const sync = sqliteReadAccess(db);
  return sync ? new CachedBackupRepository(inner, db as CbrDb, sync) : inner;
}

export class CachedBackupRepository implements BackupRepository {
  private treeQuery: CompiledQuery<CbrBackupsTable> | undefined;
  /**
   * Backup trees by id, valid for one catalog write generation only (any write to the catalog, by any
   * repository or by another process on the same file, empties it), so it never serves a row older than the
   * catalog. Per process.
   */
  private readonly trees = new Map<string, { backup: Backup; children: Backup[] } | null>();
  /** ListBackups' row cache (backups by id), under the same rule. */
  private readonly rows = new Map<string, Backup>();
  /** ListBackups' counts and page ids by filter and page, under the same rule. */
  private readonly results = new Map<string, { count: number; ids: string[] }>();
  private cacheGeneration = -1;

  constructor(
    private readonly inner: BackupRepository,
    private readonly db: CbrDb,
    private readonly sync: SqliteReadAccess,
  ) {}

  async getBackupTree(id: string): Promise<BackupTree | null> {
    const sync = this.sync;
    // A transaction holds the connection: a synchronous read now could see its uncommitted rows.
    if (sync.inTransaction) return this.inner.getBackupTree(id);
    this.treeQuery ??= compileTreeQuery(this.db);
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

  async listBackups(f: BackupFilter, page: BackupPage): Promise<BackupList> {
    if (this.sync.inTransaction) return this.inner.listBackups(f, page);
    return this.listBackupsSync(this.sync, f, page);
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
      const count = num(run(backupCountQuery(this.db, f))[0]?.n);
      let ids: string[] = [];
      if (count > 0) {
        let m: CbrBackupsTable | undefined;
        if (page.marker !== undefined) {
          [m] = run(markerQuery(this.db, f, page.marker));
          if (!m) throw new MarkerNotFoundError(page.marker);
        }
        ids = run(backupPageQuery(this.db, f, page, m).select('id')).map((r) => r.id);
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

  // Everything else reads or writes through the repository (writes are seen through the generation).
  insertBackups(rows: Backup[]): Promise<void> {
    return this.inner.insertBackups(rows);
  }
  getBackup(id: string): Promise<Backup | null> {
    return this.inner.getBackup(id);
  }
  getChildren(parentId: string): Promise<Backup[]> {
    return this.inner.getChildren(parentId);
  }
  topBackupsOfCheckpoint(checkpointId: string): Promise<Backup[]> {
    return this.inner.topBackupsOfCheckpoint(checkpointId);
  }
  backupsOfVault(vaultId: string): Promise<Backup[]> {
    return this.inner.backupsOfVault(vaultId);
  }
  backupsInStatus(statuses: BackupStatus[]): Promise<Backup[]> {
    return this.inner.backupsInStatus(statuses);
  }
  latestAvailable(projectId: string, vaultId: string, resourceId: string, topLevel: boolean) {
    return this.inner.latestAvailable(projectId, vaultId, resourceId, topLevel);
  }
  updateBackup(id: string, patch: BackupPatch, onlyIfStatus?: BackupStatus[]): Promise<boolean> {
    return this.inner.updateBackup(id, patch, onlyIfStatus);
  }
  transitionBackupTree(id: string, from: BackupStatus[], to: BackupStatus, at: string): Promise<boolean> {
    return this.inner.transitionBackupTree(id, from, to, at);
  }
  transitionVaultBackups(vaultId: string, from: BackupStatus[], to: BackupStatus, at: string) {
    return this.inner.transitionVaultBackups(vaultId, from, to, at);
  }
  resourcesBeingBackedUp(projectId: string, resourceIds: string[]): Promise<Set<string>> {
    return this.inner.resourcesBeingBackedUp(projectId, resourceIds);
  }
  deleteBackupRows(ids: string[]): Promise<void> {
    return this.inner.deleteBackupRows(ids);
  }
  dependants(ids: string[]): Promise<Backup[]> {
    return this.inner.dependants(ids);
  }
  storageUsage(projectId: string, f: { resourceId?: string; kind?: ResourceKind }): Promise<ResourceUsage[]> {
    return this.inner.storageUsage(projectId, f);
  }
}

/** Backup trees kept by CachedBackupRepository.getBackupTree (about 2–3 KB each). */
const TREE_CACHE_MAX = 20_000;
/** Backups kept by CachedBackupRepository.listBackups (about 1 KB each). */
const ROW_CACHE_MAX = 50_000;
/** ListBackups counts and page ids kept by CachedBackupRepository.listBackups. */
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
