// The SQL of the backup listings (filters, sort, marker paging) and of ShowBackup's tree, shared by the
// repository and its SQLite read cache so both answer from the same query.
import type { CompiledQuery, Expression, SelectQueryBuilder, SqlBool } from 'kysely';
import type { Backup, BackupFilter, BackupPage } from '../../domain/cbr-model.js';
import type { CbrBackupsTable, CbrTables } from '../cbr-schema.js';
import { rowToBackup } from './rows.js';
import type { CbrDb } from './sql.js';

const GIB = 1024 ** 3;

/** A backup and its children by id: bind the id twice. */
export function compileTreeQuery(db: CbrDb): CompiledQuery<CbrBackupsTable> {
  return db
    .selectFrom('cbr_backups')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', '?'), eb('parent_id', '=', '?')]))
    .compile();
}

export function backupTree(
  id: string,
  rows: CbrBackupsTable[],
): { backup: Backup; children: Backup[] } | null {
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
        // In bigint: size_gb × 2^30 overflows PostgreSQL's 32-bit integer (SQLite's integers are 64-bit anyway).
        .where((e) =>
          e(
            e(e.cast('cbr_vaults.used_bytes', 'bigint'), '*', 100),
            '>=',
            e(e.cast('cbr_vaults.size_gb', 'bigint'), '*', e.cast(e.val(p * GIB), 'bigint')),
          ),
        ),
    );
  }
  return q;
}

export function backupCountQuery(db: CbrDb, f: BackupFilter) {
  return applyBackupFilter(db.selectFrom('cbr_backups'), f).select((eb) =>
    eb.fn.countAll<number | string>().as('n'),
  );
}

export function markerQuery(db: CbrDb, f: BackupFilter, marker: string) {
  return db
    .selectFrom('cbr_backups')
    .selectAll()
    .where('id', '=', marker)
    .where('project_id', '=', f.projectId);
}

/** The filtered, sorted page (no columns selected yet); `m` is the marker row. */
export function backupPageQuery(
  db: CbrDb,
  f: BackupFilter,
  page: BackupPage,
  m: CbrBackupsTable | undefined,
) {
  const sort = [...page.sort];
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]?.dir ?? 'desc' });
  let q = applyBackupFilter(db.selectFrom('cbr_backups'), f);
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
