// Persistence of the Cinder-only backup attributes (cinder_backups) and the read-only questions the
// Cinder view asks of CBR's backup rows (dependent incrementals). SQL lives here, never in src/api.
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Backup, BackupStatus } from '../domain/cbr-model.js';
import type { CinderBackupsTable } from './cinder-tables.js';
import { rowToBackup } from './repositories/rows.js';
import type { Database } from './schema.js';

/** Cinder sort keys → cbr_backups columns. */
const SORT_COLUMNS = {
  id: 'id',
  name: 'name',
  display_name: 'name',
  status: 'status',
  size: 'resource_size_gb',
  created_at: 'created_at',
  updated_at: 'updated_at',
  data_timestamp: 'created_at',
  volume_id: 'resource_id',
  availability_zone: 'resource_az',
} as const;
export type CinderSortKey = keyof typeof SORT_COLUMNS;
export const CINDER_SORT_KEYS = Object.keys(SORT_COLUMNS) as CinderSortKey[];

/** What Cinder's backup list may ask: volume backups (OS::Cinder::Volume) that are not a server's disks. */
export interface CinderBackupQuery {
  /** null = every project (admin all_tenants). */
  projectId: string | null;
  name?: string;
  nameLike?: string;
  statuses?: BackupStatus[];
  volumeId?: string;
  volumeIdLike?: string;
  sort: Array<{ key: CinderSortKey; dir: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
  marker?: string;
}

export class CinderMarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`Marker ${marker} could not be found.`);
  }
}

const likeEscape = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface CinderBackupExtra {
  backupId: string;
  projectId: string;
  userId: string | null;
  container: string | null;
  metadata: Record<string, string>;
  snapshotId: string | null;
  requestedIncremental: boolean;
  imported: boolean;
  /** The name CBR generated when the client gave none. */
  generatedName?: string | null;
  createdAt: string;
  updatedAt: string;
}

function fromRow(r: CinderBackupsTable): CinderBackupExtra {
  let metadata: Record<string, string> = {};
  try {
    const parsed = JSON.parse(r.metadata_json) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      metadata = parsed as Record<string, string>;
  } catch {
    metadata = {};
  }
  return {
    backupId: r.backup_id,
    projectId: r.project_id,
    userId: r.user_id,
    container: r.container,
    metadata,
    snapshotId: r.snapshot_id,
    requestedIncremental: r.requested_incremental === 1,
    imported: r.imported === 1,
    generatedName: r.generated_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class CinderStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(extra: CinderBackupExtra): Promise<void> {
    const row: CinderBackupsTable = {
      backup_id: extra.backupId,
      project_id: extra.projectId,
      user_id: extra.userId,
      container: extra.container,
      metadata_json: JSON.stringify(extra.metadata),
      snapshot_id: extra.snapshotId,
      requested_incremental: extra.requestedIncremental ? 1 : 0,
      imported: extra.imported ? 1 : 0,
      generated_name: extra.generatedName ?? null,
      created_at: extra.createdAt,
      updated_at: extra.updatedAt,
    };
    await this.db
      .insertInto('cinder_backups')
      .values(row)
      .onConflict((oc) =>
        oc.column('backup_id').doUpdateSet({
          user_id: row.user_id,
          container: row.container,
          metadata_json: row.metadata_json,
          snapshot_id: row.snapshot_id,
          requested_incremental: row.requested_incremental,
          imported: row.imported,
          generated_name: row.generated_name,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async get(projectId: string, backupId: string): Promise<CinderBackupExtra | null> {
    const r = await this.db
      .selectFrom('cinder_backups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('backup_id', '=', backupId)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async getMany(projectId: string, backupIds: string[]): Promise<Map<string, CinderBackupExtra>> {
    const out = new Map<string, CinderBackupExtra>();
    if (backupIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('cinder_backups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('backup_id', 'in', backupIds)
      .execute();
    for (const r of rows) out.set(r.backup_id, fromRow(r));
    return out;
  }

  /**
   * Volumes of `volumeIds` that a job is working on, as Cinder's volume status says it: `backing-up` while a
   * backup of it runs, `restoring-backup` while a restore writes to it (or to the server it belongs to).
   */
  async busyVolumes(
    projectId: string,
    volumes: Array<{ id: string; serverId: string | null }>,
  ): Promise<Map<string, 'backing-up' | 'restoring-backup'>> {
    const out = new Map<string, 'backing-up' | 'restoring-backup'>();
    if (volumes.length === 0) return out;
    const ids = volumes.map((v) => v.id);
    const targets = [...new Set([...ids, ...volumes.flatMap((v) => (v.serverId ? [v.serverId] : []))])];
    const restoring = await this.db
      .selectFrom('cbr_operation_logs')
      .select('target_resource_id')
      .where('project_id', '=', projectId)
      .where('operation_type', '=', 'restore')
      .where('status', 'in', ['running', 'waiting'])
      .where('target_resource_id', 'in', targets)
      .execute();
    const restoringIds = new Set(restoring.map((r) => r.target_resource_id));
    for (const v of volumes) {
      if (restoringIds.has(v.id) || (v.serverId && restoringIds.has(v.serverId)))
        out.set(v.id, 'restoring-backup');
    }
    const backing = await this.db
      .selectFrom('cbr_backups')
      .select('resource_id')
      .where('project_id', '=', projectId)
      .where('resource_id', 'in', ids)
      .where('status', 'in', ['protecting', 'waiting_protect'])
      .execute();
    for (const b of backing) if (!out.has(b.resource_id)) out.set(b.resource_id, 'backing-up');
    return out;
  }

  /** The project owning a vault id, whatever the project (import_record checks ownership with it). */
  async vaultProject(vaultId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('cbr_vaults')
      .select('project_id')
      .where('id', '=', vaultId)
      .executeTakeFirst();
    return r?.project_id ?? null;
  }

  /** One page of a Cinder backup listing plus the total before paging. */
  async listBackups(q: CinderBackupQuery): Promise<{ items: Backup[]; count: number }> {
    let base = this.db
      .selectFrom('cbr_backups')
      .where('resource_kind', '=', 'volume')
      .where('parent_id', 'is', null);
    if (q.projectId !== null) base = base.where('project_id', '=', q.projectId);
    if (q.name !== undefined) base = base.where('name', '=', q.name);
    if (q.nameLike !== undefined) base = base.where(sqlLike('name', q.nameLike));
    if (q.statuses !== undefined) {
      base =
        q.statuses.length === 0 ? base.where((eb) => eb.lit(false)) : base.where('status', 'in', q.statuses);
    }
    if (q.volumeId !== undefined) base = base.where('resource_id', '=', q.volumeId);
    if (q.volumeIdLike !== undefined) base = base.where(sqlLike('resource_id', q.volumeIdLike));
    const c = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const count = Number(c.n);
    const sort = q.sort.map((s) => ({ col: SORT_COLUMNS[s.key], dir: s.dir }));
    if (!sort.some((s) => s.col === 'id')) sort.push({ col: 'id', dir: sort[0]?.dir ?? 'desc' });
    let page = base.selectAll();
    if (q.marker !== undefined) {
      let mq = this.db.selectFrom('cbr_backups').selectAll().where('id', '=', q.marker);
      if (q.projectId !== null) mq = mq.where('project_id', '=', q.projectId);
      const m = await mq.executeTakeFirst();
      if (!m) throw new CinderMarkerNotFound(q.marker);
      page = page.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        for (let i = 0; i < sort.length; i++) {
          const ands: Expression<SqlBool>[] = [];
          for (let j = 0; j < i; j++) ands.push(eb(sort[j]!.col, '=', m[sort[j]!.col]));
          const s = sort[i]!;
          ands.push(eb(s.col, s.dir === 'asc' ? '>' : '<', m[s.col]));
          ors.push(eb.and(ands));
        }
        return eb.or(ors);
      });
    }
    for (const s of sort) page = page.orderBy(s.col, s.dir);
    const rows = await page.limit(q.limit).offset(q.offset).execute();
    return { items: rows.map(rowToBackup), count };
  }

  /**
   * How many backups are incremental to each of `backupIds` (CBR's base_backup_id), so that
   * `has_dependent_backups` and Cinder's delete rule use real data.
   */
  async dependentCounts(projectId: string, backupIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (backupIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('cbr_backups')
      .select(['base_backup_id'])
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', projectId)
      .where('base_backup_id', 'in', backupIds)
      .groupBy('base_backup_id')
      .execute();
    for (const r of rows) if (r.base_backup_id) out.set(r.base_backup_id, Number(r.n));
    return out;
  }
}

/** Case-insensitive substring match, portable (lower() on both sides, LIKE with an escape character). */
function sqlLike(col: 'name' | 'resource_id', needle: string) {
  // biome-ignore lint/suspicious/noExplicitAny: expression builder typed per table; both columns are text.
  return (eb: any) =>
    eb(eb.fn('lower', [eb.ref(col)]), 'like', sql`${likeEscape(needle.toLowerCase())} escape '\\'`);
}
