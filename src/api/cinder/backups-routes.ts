// Cinder v3 backups: list, detail, show, create, update, delete, restore, export/import record and the
// admin actions — all over the shared catalog through CBR's services (a Cinder backup is a CBR disk backup).
// The rules are the use cases' in src/services/cinder-backups.ts; here Cinder's bodies are parsed and gated
// by microversion, and the results shaped as Cinder answers.
import type { Static } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/errors.js';
import {
  BACKUP_FILTERS,
  CINDER_SORT_KEYS,
  backupForExport,
  createCinderBackup,
  deleteCinderBackup,
  describeBackups,
  extrasOf,
  listCinderBackups,
  loadCinderBackup,
  requireCinderAdmin,
  resetCinderBackupStatus,
  restoreCinderBackup,
  updateCinderBackup,
} from '../../services/cinder-backups.js';
import { importRecord } from '../../services/cinder-import.js';
import { protocolDeps } from '../../services/protocol-deps.js';
import { badRequest } from './faults.js';
import { atLeast } from './microversion.js';
import { nextLinks, parseBool, parseListQuery } from './paging.js';
import { BACKUP_SERVICE, decodeRecord, encodeRecord } from './record.js';
import {
  ActionBody,
  BackupEnvelope,
  BackupList,
  BackupParams,
  BackupRecord,
  BackupSummaryEnvelope,
  CreateBackupBody,
  ImportRecordBody,
  ListQuery,
  RestoreBody,
  RestoreResponse,
  UpdateBackupBody,
} from './schemas.js';
import { type CinderRequestScope, type RouteRegistration, bothPaths, callerOf, scopeOf } from './scope.js';
import { backupDetail, backupSummary } from './views.js';

type Query = Record<string, string | string[] | undefined>;

async function listBackups(scope: CinderRequestScope, query: Query) {
  const params = parseListQuery(query, scope.version, BACKUP_FILTERS, CINDER_SORT_KEYS);
  return { params, ...(await listCinderBackups(protocolDeps(scope.ctx), callerOf(scope), params)) };
}

/** Rejects a body field the negotiated microversion does not know, as Cinder's schema does. */
function gate(scope: CinderRequestScope, body: object, field: string, min: string): void {
  if (field in body && !atLeast(scope.version, min)) {
    throw badRequest(
      `Invalid input for field/attribute backup. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('${field}' was unexpected)`,
      `backup.${field}`,
    );
  }
}

export function registerBackupRoutes(r: RouteRegistration): void {
  const { app, ctx, root, preHandler } = r;

  for (const [path, detail, summary] of [
    ['/backups', false, 'List backups'],
    ['/backups/detail', true, 'List backups with details'],
  ] as const) {
    for (const url of bothPaths(path)) {
      app.get(
        url,
        {
          preHandler,
          schema: { tags: ['cinder'], summary, querystring: ListQuery, response: { 200: BackupList } },
        },
        async (request) => {
          const scope = scopeOf(request, ctx, root);
          const query = request.query as Query;
          const { items, count, params } = await listBackups(scope, query);
          const base = { root: scope.root, projectId: scope.projectId };
          const deps = protocolDeps(ctx);
          let backups: Static<typeof BackupList>['backups'];
          if (detail) {
            backups = (await describeBackups(deps, items)).map((v) => backupDetail(v, base, scope.version));
          } else {
            const extras = await extrasOf(deps, items);
            backups = items.map((b) =>
              backupSummary(b, base, scope.version, undefined, extras.get(b.id) ?? null),
            );
          }
          const out: Static<typeof BackupList> = { backups };
          const next = nextLinks(params, items, `${scope.root}/v3/${scope.projectId}${path}`, query);
          if (next) out.backups_links = next;
          if (params.withCount) out.count = count;
          return out;
        },
      );
    }
  }

  for (const url of bothPaths('/backups/:backup_id')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Show a backup',
          params: BackupParams,
          response: { 200: BackupEnvelope },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const deps = protocolDeps(ctx);
        const id = (request.params as { backup_id: string }).backup_id;
        const [view] = await describeBackups(deps, [await loadCinderBackup(deps, scope.projectId, id)]);
        return {
          backup: backupDetail(view!, { root: scope.root, projectId: scope.projectId }, scope.version),
        };
      },
    );
  }

  for (const url of bothPaths('/backups')) {
    app.post(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Create a backup',
          body: CreateBackupBody,
          response: { 202: BackupSummaryEnvelope },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        const body = (request.body as CreateBackupBody).backup;
        gate(scope, body, 'metadata', '3.43');
        gate(scope, body, 'availability_zone', '3.51');
        const force = body.force === undefined ? false : parseBool(body.force, 'backup.force');
        const incremental =
          body.incremental === undefined ? false : parseBool(body.incremental, 'backup.incremental');
        const metadata = (body.metadata ?? {}) as Record<string, string>;
        const { backup: made, generatedName } = await createCinderBackup(protocolDeps(ctx), callerOf(scope), {
          volumeId: body.volume_id,
          name: body.name ?? null,
          description: body.description ?? null,
          container: body.container ?? null,
          metadata,
          snapshotId: body.snapshot_id ?? null,
          availabilityZone: body.availability_zone ?? null,
          force,
          incremental,
        });
        reply.code(202);
        return {
          backup: backupSummary(
            made,
            { root: scope.root, projectId: scope.projectId },
            scope.version,
            metadata,
            { generatedName },
          ),
        };
      },
    );
  }

  for (const url of bothPaths('/backups/:backup_id')) {
    app.put(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Update a backup (3.9)',
          params: BackupParams,
          body: UpdateBackupBody,
          response: { 200: BackupSummaryEnvelope },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        // Below 3.9 the method does not exist (Cinder answers 404).
        if (!atLeast(scope.version, '3.9'))
          throw new AppError('route_not_found', 'The resource could not be found.');
        const id = (request.params as { backup_id: string }).backup_id;
        const body = (request.body as UpdateBackupBody).backup;
        gate(scope, body, 'metadata', '3.43');
        const { backup: fresh, extra } = await updateCinderBackup(protocolDeps(ctx), callerOf(scope), id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.metadata !== undefined
            ? { metadata: body.metadata as Record<string, string> | null }
            : {}),
        });
        return {
          backup: backupSummary(
            fresh,
            { root: scope.root, projectId: scope.projectId },
            scope.version,
            extra?.metadata ?? {},
            extra,
          ),
        };
      },
    );
  }

  for (const url of bothPaths('/backups/:backup_id')) {
    app.delete(
      url,
      { preHandler, schema: { tags: ['cinder'], summary: 'Delete a backup', params: BackupParams } },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        const id = (request.params as { backup_id: string }).backup_id;
        await deleteCinderBackup(protocolDeps(ctx), callerOf(scope), id, false);
        reply.code(202).send();
      },
    );
  }

  for (const url of bothPaths('/backups/:backup_id/restore')) {
    app.post(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Restore a backup',
          params: BackupParams,
          body: RestoreBody,
          response: { 202: RestoreResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        const id = (request.params as { backup_id: string }).backup_id;
        const body = (request.body as RestoreBody | undefined)?.restore ?? {};
        const {
          backup: b,
          volumeId,
          volumeName,
        } = await restoreCinderBackup(protocolDeps(ctx), callerOf(scope), id, {
          ...(body.volume_id ? { volumeId: body.volume_id } : {}),
          ...(body.name ? { name: body.name } : {}),
        });
        reply.code(202);
        return { restore: { backup_id: b.id, volume_id: volumeId, volume_name: volumeName } };
      },
    );
  }

  for (const url of bothPaths('/backups/:backup_id/export_record')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Export a backup record (admin)',
          params: BackupParams,
          response: { 200: BackupRecord },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        requireCinderAdmin(callerOf(scope), 'backup:export-import');
        const id = (request.params as { backup_id: string }).backup_id;
        const { backup, vaultName, extra } = await backupForExport(protocolDeps(ctx), callerOf(scope), id);
        return {
          'backup-record': {
            backup_service: BACKUP_SERVICE,
            backup_url: encodeRecord(backup, vaultName, extra),
          },
        };
      },
    );
  }

  for (const url of bothPaths('/backups/import_record')) {
    app.post(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'Import a backup record (admin)',
          body: ImportRecordBody,
          response: { 201: BackupSummaryEnvelope },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        requireCinderAdmin(callerOf(scope), 'backup:export-import');
        const rec = (request.body as ImportRecordBody)['backup-record'];
        const decoded = decodeRecord(rec.backup_service, rec.backup_url);
        const imported = await importRecord(protocolDeps(ctx), callerOf(scope), decoded);
        reply.code(201);
        return {
          backup: backupSummary(imported, { root: scope.root, projectId: scope.projectId }, scope.version),
        };
      },
    );
  }

  for (const url of bothPaths('/backups/:backup_id/action')) {
    app.post(
      url,
      {
        preHandler,
        schema: { tags: ['cinder'], summary: 'Backup admin actions', params: BackupParams, body: ActionBody },
      },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        requireCinderAdmin(callerOf(scope), 'this admin action');
        const id = (request.params as { backup_id: string }).backup_id;
        const body = request.body as ActionBody;
        if ('os-force_delete' in body) {
          await deleteCinderBackup(protocolDeps(ctx), callerOf(scope), id, true);
        } else {
          const status = body['os-reset_status'].status.toLowerCase();
          if (status !== 'available' && status !== 'error') {
            throw badRequest(
              `Invalid input for field/attribute status. Value: ${body['os-reset_status'].status}. '${body['os-reset_status'].status}' is not one of ['available', 'error']`,
              'os-reset_status.status',
            );
          }
          await resetCinderBackupStatus(protocolDeps(ctx), callerOf(scope), id, status);
        }
        reply.code(202).send();
      },
    );
  }
}
