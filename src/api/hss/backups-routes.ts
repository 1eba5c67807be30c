// HSS: backups of a host, backup detail (seed 004), restore/delete, restore logs, vault list.
import { BACKUP_STATUSES, type BackupStatus } from '../../domain/cbr-model.js';
import { isAppError } from '../../domain/errors.js';
import { protocolDeps } from '../cinder/deps.js';
import { type Q, daysAgo, invalid, one, oneOf, paging, reply200 } from './params.js';
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
  const { typed, ctx, hss, preHandler, pid, notFound } = r;

  // -------------------------------------------------------------------- backups

  typed.get(
    '/:project_id/ransomware/backup/:backup_id/detail',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ShowBackupInfoByBackupId (seed 004)',
        params: BackupIdParams,
        querystring: Query,
        response: { 200: BackupDetail },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const id = request.params.backup_id;
      const got = await deps.backups.get(pid(request), id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      return backupDetail(got.backup, got.children);
    },
  );

  typed.get(
    '/:project_id/ransomware/backup/:backup_id',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListBackedupByHostId: backups of a host',
        params: BackupIdParams,
        querystring: Query,
        response: { 200: BackCopyList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const q = request.query as Q;
      const hostId = request.params.backup_id;
      const { offset, limit } = paging(q, true);
      const status = oneOf<BackupStatus>(q, 'status', BACKUP_STATUSES);
      const name = one(q, 'name');
      const from = daysAgo(q);
      const { items, count } = await deps.backups.list(
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
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'RestoreDuplicationInfo: restore a backup',
        params: BackupIdParams,
        body: RestoreBody,
      },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const id = request.params.backup_id;
      const body = request.body;
      const got = await deps.backups.get(projectId, id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      const mappings = body.mappings?.map((m) => ({ backupId: m.backup_id, volumeId: m.volume_id }));
      if (got.backup.resourceKind === 'server') {
        await deps.backups.restore(projectId, id, {
          serverId: body.server_id,
          ...(mappings ? { mappings } : {}),
        });
      } else {
        const volumeId = mappings?.[0]?.volumeId || undefined;
        await deps.backups.restore(projectId, id, {
          hostId: body.server_id,
          ...(volumeId ? { volumeId } : {}),
        });
      }
      reply200(reply);
    },
  );

  typed.delete(
    '/:project_id/ransomware/duplication/:backup_id',
    {
      preHandler,
      schema: { tags: ['hss'], summary: 'DeleteDuplicationInfo: delete a backup', params: BackupIdParams },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const id = request.params.backup_id;
      await deps.backups.delete(pid(request), id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- operation logs (restores)

  typed.get(
    '/:project_id/ransomware/backup/operation-logs',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListOperationLogsByVaultName: restore logs',
        params: ProjectParams,
        querystring: Query,
        response: { 200: RestoreLogList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const q = request.query as Q;
      const { offset, limit } = paging(q, true);
      const status = oneOf(q, 'status', ['success', 'skipped', 'failed', 'running', 'timeout', 'waiting']);
      const resourceName = one(q, 'resource_name');
      const from = daysAgo(q);
      const { items, count } = await deps.cbr.listOplogs({
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
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListBackupVaults: server vaults usable for protection',
        params: ProjectParams,
        querystring: Query,
        response: { 200: BackupVaultList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const q = request.query as Q;
      const { offset, limit } = paging(q, false);
      const name = one(q, 'vault_name');
      const id = one(q, 'vault_id');
      const { items } = await deps.vaults.list({
        projectId,
        objectType: 'server',
        limit: 100_000,
        offset: 0,
      });
      const matched = items.filter(
        (v) => (name === undefined || v.name.includes(name)) && (id === undefined || v.id === id),
      );
      const page = matched.slice(offset, offset + limit);
      const data_list = [];
      for (const v of page) data_list.push(vaultInfo(v, await hss.backupPolicyOfVault(projectId, v.id)));
      return { total_num: matched.length, data_list };
    },
  );
}
