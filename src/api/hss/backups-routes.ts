// HSS: backups of a host, backup detail (seed 004), restore/delete, restore logs, vault list.
import { OPERATION_STATUSES } from '../../domain/backup-status.js';
import { BACKUP_STATUSES, type BackupStatus } from '../../domain/cbr-model.js';
import { listServerVaults } from '../../services/hss-policies.js';
import { deleteHostBackup, getHostBackup, restoreHostBackup } from '../../services/hss-protection.js';
import { type Q, daysAgo, one, oneOf, paging, reply200 } from './params.js';
import type { HssRoutes } from './route-context.js';
import {
  BackCopyList,
  BackupDetail,
  BackupIdParams,
  BackupVaultList,
  ProjectParams,
  Query,
  RestoreBody,
  RestoreLogList,
} from './schemas.js';
import { backCopy, backupDetail, restoreLog, vaultInfo } from './views.js';

export function registerBackupRoutes(r: HssRoutes): void {
  const { typed, deps, route, pid } = r;

  // -------------------------------------------------------------------- backups

  typed.get(
    '/:project_id/ransomware/backup/:backup_id/detail',
    route('ShowBackupInfoByBackupId (seed 004)', {
      params: BackupIdParams,
      querystring: Query,
      response: { 200: BackupDetail },
    }),
    async (request) => {
      const got = await getHostBackup(deps(), pid(request), request.params.backup_id);
      return backupDetail(got.backup, got.children);
    },
  );

  typed.get(
    '/:project_id/ransomware/backup/:backup_id',
    route('ListBackedupByHostId: backups of a host', {
      params: BackupIdParams,
      querystring: Query,
      response: { 200: BackCopyList },
    }),
    async (request) => {
      const q = request.query as Q;
      const hostId = request.params.backup_id;
      const { offset, limit } = paging(q, true);
      const status = oneOf<BackupStatus>(q, 'status', BACKUP_STATUSES);
      const name = one(q, 'name');
      const from = daysAgo(q, deps().now());
      const { items, count } = await deps().backups.list(
        {
          projectId: pid(request),
          resourceId: hostId,
          parentId: null,
          ...(status ? { statuses: [status] } : {}),
          ...(name ? { name } : {}),
          ...(from ? { createdFrom: from } : {}),
        },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit, offset },
      );
      return { total_num: count, data_list: items.map(backCopy) };
    },
  );

  typed.post(
    '/:project_id/ransomware/duplication/:backup_id/restore',
    route('RestoreDuplicationInfo: restore a backup', { params: BackupIdParams, body: RestoreBody }),
    async (request, reply) => {
      const body = request.body;
      const mappings = body.mappings?.map((m) => ({ backupId: m.backup_id, volumeId: m.volume_id }));
      await restoreHostBackup(deps(), pid(request), request.params.backup_id, {
        serverId: body.server_id,
        ...(mappings ? { mappings } : {}),
      });
      reply200(reply);
    },
  );

  typed.delete(
    '/:project_id/ransomware/duplication/:backup_id',
    route('DeleteDuplicationInfo: delete a backup', { params: BackupIdParams }),
    async (request, reply) => {
      await deleteHostBackup(deps(), pid(request), request.params.backup_id);
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- operation logs (restores)

  typed.get(
    '/:project_id/ransomware/backup/operation-logs',
    route('ListOperationLogsByVaultName: restore logs', {
      params: ProjectParams,
      querystring: Query,
      response: { 200: RestoreLogList },
    }),
    async (request) => {
      const q = request.query as Q;
      const { offset, limit } = paging(q, true);
      const status = oneOf(q, 'status', OPERATION_STATUSES);
      const resourceName = one(q, 'resource_name');
      const from = daysAgo(q, deps().now());
      const { items, count } = await deps().operationLogs.list({
        projectId: pid(request),
        operationType: 'restore',
        ...(status ? { status } : {}),
        ...(resourceName ? { resourceName } : {}),
        ...(from ? { startedFrom: from } : {}),
        limit,
        offset,
      });
      return { total_num: count, data_list: items.map(restoreLog) };
    },
  );

  // -------------------------------------------------------------------- vaults

  typed.get(
    '/:project_id/ransomware/optional/vaults',
    route('ListBackupVaults: server vaults usable for protection', {
      params: ProjectParams,
      querystring: Query,
      response: { 200: BackupVaultList },
    }),
    async (request) => {
      const q = request.query as Q;
      const { offset, limit } = paging(q, false);
      const name = one(q, 'vault_name');
      const id = one(q, 'vault_id');
      const { items, count } = await listServerVaults(deps(), pid(request), {
        ...(name !== undefined ? { name } : {}),
        ...(id !== undefined ? { id } : {}),
        offset,
        limit,
      });
      return { total_num: count, data_list: items.map((x) => vaultInfo(x.vault, x.policy)) };
    },
  );
}
