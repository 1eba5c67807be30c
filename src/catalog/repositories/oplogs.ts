// Operation logs: one per job (cbr_operation_logs).
import type { OperationLog } from '../../domain/cbr-model.js';
import type {
  OperationLogRepository,
  OplogListFilter,
  OplogPatch,
} from '../../domain/ports/cbr-repositories.js';
import type { CbrOperationLogsTable } from '../cbr-schema.js';
import { countThenPage } from '../paging.js';
import { b01, oplogToRow, rowToOplog } from './rows.js';
import type { CbrDb } from './sql.js';

export class SqlOperationLogRepository implements OperationLogRepository {
  constructor(private readonly db: CbrDb) {}

  async insertOplog(o: OperationLog): Promise<void> {
    await this.db.insertInto('cbr_operation_logs').values(oplogToRow(o)).execute();
  }

  async updateOplog(id: string, patch: OplogPatch): Promise<void> {
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
}
