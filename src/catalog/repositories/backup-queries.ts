// The SQL of the backup listings (filters, sort, marker paging) and of ShowBackup's tree, shared by the
// repository and its SQLite read cache so both answer from the same query.
import type { CompiledQuery, Expression, ExpressionBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
import type { Backup, BackupFilter, BackupPage } from '../../domain/cbr-model.js';
import type { CbrBackupsTable, CbrTables } from '../cbr-schema.js';
import type { MemberTables } from '../member-tables.js';
import { rowToBackup } from './rows.js';
import type { CbrDb } from './sql.js';

const GIB = 1024 ** 3;

type Tables = CbrTables & MemberTables;

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

/**
 * The backups `f.projectId` may list under own_type: its own (`private`, the default), those shared with it
 * (`shared`: the shared backup and its disks), or both (`all_granted`). member_status narrows its own to
 * those it has shared with a member in that status, and the shared ones to its own membership's status.
 */
function visibleTo(eb: ExpressionBuilder<Tables, 'cbr_backups'>, f: BackupFilter): Expression<SqlBool> {
  const own = (): Expression<SqlBool> => {
    const mine = eb('cbr_backups.project_id', '=', f.projectId);
    if (f.memberStatus === undefined) return mine;
    const shared = eb
      .selectFrom('cbr_backup_members')
      .select('cbr_backup_members.backup_id')
      .where('cbr_backup_members.owner_project_id', '=', f.projectId)
      .where('cbr_backup_members.status', '=', f.memberStatus);
    return eb.and([
      mine,
      eb.or([eb('cbr_backups.id', 'in', shared), eb('cbr_backups.parent_id', 'in', shared)]),
    ]);
  };
  const received = (): Expression<SqlBool> => {
    let granted = eb
      .selectFrom('cbr_backup_members')
      .select('cbr_backup_members.backup_id')
      .where('cbr_backup_members.dest_project_id', '=', f.projectId);
    if (f.memberStatus !== undefined)
      granted = granted.where('cbr_backup_members.status', '=', f.memberStatus);
    return eb.or([eb('cbr_backups.id', 'in', granted), eb('cbr_backups.parent_id', 'in', granted)]);
  };
  switch (f.ownType ?? 'private') {
    case 'private':
      return own();
    case 'shared':
      return received();
    case 'all_granted':
      return eb.or([own(), received()]);
  }
}

function applyBackupFilter<O>(
  q: SelectQueryBuilder<Tables, 'cbr_backups', O>,
  f: BackupFilter,
): SelectQueryBuilder<Tables, 'cbr_backups', O> {
  q = q.where((eb) => visibleTo(eb, f));
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
  // No dedicated cloud: this filter selects nothing, honestly, rather than being ignored.
  if (f.dedicatedCloud === true) q = q.where((eb) => eb.lit(false));
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
    .where((eb) => visibleTo(eb, f));
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
