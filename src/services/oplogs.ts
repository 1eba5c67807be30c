import type { Backup, OperationLog, OperationType, Vault } from '../domain/cbr-model.js';
import { AppError } from '../domain/errors.js';
// Operation logs: one per job (backup, restore, delete), with status, progress and error information.
import type { OperationLogRepository, OplogListFilter } from '../domain/ports/cbr-repositories.js';
import { vaultCapacity } from '../domain/vault-capacity.js';
import { type CbrDeps, newId } from './cbr-deps.js';
import { currentRequestId } from './request-scope.js';

export class OperationLogService {
  constructor(private readonly deps: CbrDeps) {}

  async get(projectId: string, id: string): Promise<OperationLog> {
    const o = await this.deps.repos.oplogs.getOplog(projectId, id);
    if (!o) {
      throw new AppError('oplog_not_found', `The operation log does not exist: operation_log_id ${id}.`, {
        field: 'operation_log_id',
      });
    }
    return o;
  }

  list(f: OplogListFilter): Promise<{ items: OperationLog[]; count: number }> {
    return this.deps.repos.oplogs.listOplogs(f);
  }

  /**
   * Records a new, waiting operation on a backup; `oplogs` is the command's transaction (the default writes
   * on its own).
   */
  async open(
    type: OperationType,
    b: Backup,
    vault: Pick<Vault, 'id' | 'name'>,
    target?: { id: string; name: string },
    oplogs: OperationLogRepository = this.deps.repos.oplogs,
    policyId: string | null = null,
  ): Promise<OperationLog> {
    const now = this.deps.timestamp();
    const o: OperationLog = {
      id: newId(),
      projectId: b.projectId,
      operationType: type,
      status: 'waiting',
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
      checkpointId: b.checkpointId,
      vaultId: vault.id,
      vaultName: vault.name,
      providerKind: b.resourceKind,
      resourceId: b.resourceId,
      resourceName: b.resourceName,
      backupId: b.id,
      backupName: b.name,
      incremental: null,
      targetResourceId: target?.id ?? null,
      targetResourceName: target?.name ?? null,
      progress: 0,
      errorCode: null,
      errorMessage: null,
      policyId,
      requestId: currentRequestId(),
    };
    await oplogs.insertOplog(o);
    return o;
  }

  /** Records a new, waiting deletion of a whole vault (no backup of its own: backup and resource are empty). */
  async openVaultDelete(vault: Vault, oplogs: OperationLogRepository): Promise<OperationLog> {
    const now = this.deps.timestamp();
    const o: OperationLog = {
      id: newId(),
      projectId: vault.projectId,
      operationType: 'vault_delete',
      status: 'waiting',
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
      checkpointId: null,
      vaultId: vault.id,
      vaultName: vault.name,
      providerKind: vault.objectType === 'server' ? 'server' : 'volume',
      resourceId: '',
      resourceName: '',
      backupId: '',
      backupName: '',
      incremental: null,
      targetResourceId: null,
      targetResourceName: null,
      progress: 0,
      errorCode: null,
      errorMessage: null,
      policyId: null,
      requestId: currentRequestId(),
    };
    await oplogs.insertOplog(o);
    return o;
  }

  /** A vault's used space crossed its threshold with backup `b`'s commit: a finished log saying so. */
  async recordThreshold(v: Vault, b: Backup): Promise<OperationLog> {
    const o = await this.open('vault_threshold', b, v);
    const at = this.deps.timestamp();
    const percent = Math.floor(vaultCapacity(v).usedRatio * 100);
    await this.deps.repos.oplogs.updateOplog(o.id, {
      status: 'success',
      progress: 100,
      endedAt: at,
      updatedAt: at,
      errorMessage: `Vault ${v.name} uses ${percent}% of its ${v.sizeGb} GB, at or over its threshold of ${v.threshold}%.`,
    });
    return { ...o, status: 'success', progress: 100, endedAt: at, updatedAt: at };
  }

  async start(id: string, oplogs: OperationLogRepository = this.deps.repos.oplogs): Promise<void> {
    const now = this.deps.timestamp();
    await oplogs.updateOplog(id, { status: 'running', updatedAt: now });
  }

  async progress(id: string, progress: number): Promise<void> {
    await this.deps.repos.oplogs.updateOplog(id, {
      progress: Math.max(0, Math.min(100, Math.floor(progress))),
      updatedAt: this.deps.timestamp(),
    });
  }

  async succeed(
    id: string,
    extra: { incremental?: boolean } = {},
    oplogs: OperationLogRepository = this.deps.repos.oplogs,
  ): Promise<void> {
    const now = this.deps.timestamp();
    await oplogs.updateOplog(id, {
      status: 'success',
      progress: 100,
      endedAt: now,
      updatedAt: now,
      ...(extra.incremental !== undefined ? { incremental: extra.incremental } : {}),
    });
  }

  async fail(
    id: string,
    code: string,
    message: string,
    oplogs: OperationLogRepository = this.deps.repos.oplogs,
  ): Promise<void> {
    const now = this.deps.timestamp();
    await oplogs.updateOplog(id, {
      status: 'failed',
      endedAt: now,
      updatedAt: now,
      errorCode: code,
      errorMessage: message,
    });
  }
}
