// Cinder v3 backups: list, detail, show, create, update, delete, restore, export/import record and the
// admin actions — all over the shared catalog through CBR's services (a Cinder backup is a CBR disk backup).
import type { Static } from '@fastify/type-provider-typebox';
import type { Backup, Vault } from '../../domain/cbr-model.js';
import { nowTimestamp } from '../../domain/cbr-rules.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { CHUNK_SIZE } from '../../engine/index.js';
import {
  CINDER_SORT_KEYS,
  type CinderBackupExtra,
  CinderMarkerNotFound,
  type CinderSortKey,
} from '../../services/cinder-records.js';
import { type ProtocolDeps, protocolDeps } from './deps.js';
import { backupNotFound, badRequest, invalidBackup, invalidVolume } from './faults.js';
import { importRecord } from './import.js';
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
import { type CinderRequestScope, type RouteRegistration, bothPaths, scopeOf } from './scope.js';
import { type BackupViewInput, backupDetail, backupSummary, statusesForCinder } from './views.js';
import { findVolume, volumeBusy } from './volumes-routes.js';

type Query = Record<string, string | string[] | undefined>;

const BACKUP_FILTERS = ['name', 'status', 'volume_id'] as const;

/** A backup Cinder may see: a volume backup of the caller's project that is not one disk of a server backup. */
async function loadBackup(deps: ProtocolDeps, scope: CinderRequestScope, id: string): Promise<Backup> {
  let b: Backup;
  try {
    b = (await deps.backups.get(scope.projectId, id)).backup;
  } catch (err) {
    if (isAppError(err) && (err.code === 'backup_not_found' || err.status === 404)) throw backupNotFound(id);
    throw err;
  }
  if (b.resourceKind !== 'volume' || b.parentId !== null) throw backupNotFound(id);
  return b;
}

/** Backup ids grouped by owning project (an admin's all_tenants list spans several). */
function idsByProject(items: Backup[]): Map<string, string[]> {
  const byProject = new Map<string, string[]>();
  for (const b of items) {
    const ids = byProject.get(b.projectId);
    if (ids) ids.push(b.id);
    else byProject.set(b.projectId, [b.id]);
  }
  return byProject;
}

/** Cinder-only attributes of backups that may belong to several projects (all_tenants). */
async function extrasOf(deps: ProtocolDeps, items: Backup[]) {
  const out = new Map<string, CinderBackupExtra>();
  for (const [pid, ids] of idsByProject(items)) {
    for (const [k, v] of await deps.cinder.getMany(pid, ids)) out.set(k, v);
  }
  return out;
}

async function viewInputs(
  deps: ProtocolDeps,
  scope: CinderRequestScope,
  items: Backup[],
): Promise<BackupViewInput[]> {
  const extras = await extrasOf(deps, items);
  const dependents = new Map<string, number>();
  for (const [pid, ids] of idsByProject(items)) {
    for (const [k, v] of await deps.cinder.dependentCounts(pid, ids)) dependents.set(k, v);
  }
  const vaults = new Map<string, Vault | null>();
  for (const b of items) {
    if (!vaults.has(b.vaultId)) vaults.set(b.vaultId, await deps.cbr.getVault(b.projectId, b.vaultId));
  }
  return items.map((b) => {
    const x = extras.get(b.id) ?? null;
    return {
      backup: b,
      extra: x && {
        userId: x.userId,
        container: x.container,
        metadata: x.metadata,
        snapshotId: x.snapshotId,
        generatedName: x.generatedName ?? null,
      },
      vaultName: vaults.get(b.vaultId)?.name ?? null,
      vaultUserId: vaults.get(b.vaultId)?.userId ?? null,
      hasDependents: (dependents.get(b.id) ?? 0) > 0,
      objectCount: objectCountOf(b),
    };
  });
}

/**
 * Cinder's object_count is the number of chunk objects a backup consists of (its chunked driver stores one
 * object per chunk). opencbr's engine keeps a fixed-size chunk index per disk image, so a finished backup
 * is exactly ceil(volume bytes / chunk size) chunks (shared ones included, as Cinder counts them). Null
 * while it runs or when it failed, as Cinder shows.
 */
function objectCountOf(b: Backup): number | null {
  if (b.status !== 'available' && b.status !== 'restoring' && b.status !== 'deleting') return null;
  return Math.ceil(b.volumeBytes / CHUNK_SIZE);
}

async function listBackups(deps: ProtocolDeps, scope: CinderRequestScope, query: Query) {
  const p = parseListQuery(query, scope.version, BACKUP_FILTERS, CINDER_SORT_KEYS);
  let statuses: Backup['status'][] | undefined;
  if (p.exact.status !== undefined) statuses = statusesForCinder(p.exact.status);
  if (p.like.status !== undefined) {
    const want = p.like.status.toLowerCase();
    statuses = (['creating', 'available', 'deleting', 'restoring', 'error'] as const)
      .filter((s) => s.includes(want))
      .flatMap((s) => statusesForCinder(s));
  }
  try {
    return {
      params: p,
      ...(await deps.cinder.listBackups({
        projectId: p.allTenants && scope.isAdmin ? null : scope.projectId,
        ...(p.exact.name !== undefined ? { name: p.exact.name } : {}),
        ...(p.like.name !== undefined ? { nameLike: p.like.name } : {}),
        ...(statuses !== undefined ? { statuses } : {}),
        ...(p.exact.volume_id !== undefined ? { volumeId: p.exact.volume_id } : {}),
        ...(p.like.volume_id !== undefined ? { volumeIdLike: p.like.volume_id } : {}),
        sort: p.sort.map((s) => ({ key: s.key as CinderSortKey, dir: s.dir })),
        limit: p.limit,
        offset: p.offset,
        ...(p.marker !== null ? { marker: p.marker } : {}),
      })),
    };
  } catch (err) {
    if (err instanceof CinderMarkerNotFound)
      throw badRequest(`Marker ${err.marker} could not be found.`, 'marker');
    throw err;
  }
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

/** The vault a Cinder backup of `volumeId` goes to: the one it is bound to, the container named, or the default. */
async function vaultFor(
  deps: ProtocolDeps,
  scope: CinderRequestScope,
  volumeId: string,
  container: string | null,
): Promise<Vault> {
  const boundId = await deps.cbr.vaultOfResource(scope.projectId, volumeId);
  const bound = boundId ? await deps.vaults.get(scope.projectId, boundId) : null;
  if (container === null || container === '') {
    return bound ?? deps.vaults.defaultVault(scope.projectId, 'disk');
  }
  // A container is a disk vault, by id or name; as Swift creates a missing container, a missing vault is created.
  const { items } = await deps.vaults.list({
    projectId: scope.projectId,
    objectType: 'disk',
    limit: 1000,
    offset: 0,
  });
  const named = items.find((v) => v.id === container) ?? items.find((v) => v.name === container) ?? null;
  if (bound && (!named || named.id !== bound.id)) {
    throw badRequest(
      `Invalid input received: volume ${volumeId} is bound to vault ${bound.name} (${bound.id}); back it up to that container or none.`,
      'backup.container',
    );
  }
  if (named) return named;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(container)) {
    throw badRequest(
      'Invalid input received: a new container (vault) name must be 1-64 letters, digits, "_" or "-".',
      'backup.container',
    );
  }
  return deps.vaults.create(
    { projectId: scope.projectId, userId: scope.auth.userId },
    {
      name: container,
      objectType: 'disk',
      protectType: 'backup',
      consistentLevel: 'crash_consistent',
      sizeGb: 10485760,
    },
  );
}

export function registerBackupRoutes(r: RouteRegistration): void {
  const { app, ctx, root, preHandler } = r;

  for (const url of bothPaths('/backups')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'List backups',
          querystring: ListQuery,
          response: { 200: BackupList },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const deps = protocolDeps(ctx);
        const query = request.query as Query;
        const { items, count, params } = await listBackups(deps, scope, query);
        const base = { root: scope.root, projectId: scope.projectId };
        const extras = await extrasOf(deps, items);
        const out: Static<typeof BackupList> = {
          backups: items.map((b) =>
            backupSummary(b, base, scope.version, undefined, extras.get(b.id) ?? null),
          ),
        };
        const next = nextLinks(params, items, `${scope.root}/v3/${scope.projectId}/backups`, query);
        if (next) out.backups_links = next;
        if (params.withCount) out.count = count;
        return out;
      },
    );
  }

  for (const url of bothPaths('/backups/detail')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'List backups with details',
          querystring: ListQuery,
          response: { 200: BackupList },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const deps = protocolDeps(ctx);
        const query = request.query as Query;
        const { items, count, params } = await listBackups(deps, scope, query);
        const base = { root: scope.root, projectId: scope.projectId };
        const views = await viewInputs(deps, scope, items);
        const out: Static<typeof BackupList> = {
          backups: views.map((v) => backupDetail(v, base, scope.version)),
        };
        const next = nextLinks(params, items, `${scope.root}/v3/${scope.projectId}/backups/detail`, query);
        if (next) out.backups_links = next;
        if (params.withCount) out.count = count;
        return out;
      },
    );
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
        const b = await loadBackup(deps, scope, (request.params as { backup_id: string }).backup_id);
        const [view] = await viewInputs(deps, scope, [b]);
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
        const deps = protocolDeps(ctx);
        const body = (request.body as CreateBackupBody).backup;
        gate(scope, body, 'metadata', '3.43');
        gate(scope, body, 'availability_zone', '3.51');
        const force = body.force === undefined ? false : parseBool(body.force, 'backup.force');
        const incremental =
          body.incremental === undefined ? false : parseBool(body.incremental, 'backup.incremental');
        const volume = await findVolume(scope, body.volume_id);
        if (body.snapshot_id) {
          // opencbr has no volume snapshots: a backup always reads the volume itself.
          throw new AppError('resource_not_found', `Snapshot ${body.snapshot_id} could not be found.`, {
            status: 404,
          });
        }
        const busy = (await volumeBusy(scope, volume)).get(volume.id);
        if (busy) {
          throw invalidVolume(
            `Volume to be backed up must be available or in-use, but the current status is "${busy}".`,
          );
        }
        if (volume.serverId && !force) {
          throw invalidVolume('Backing up an in-use volume must use the force flag.');
        }
        if (body.availability_zone && body.availability_zone !== volume.availabilityZone) {
          throw badRequest(
            `Invalid input received: availability zone ${body.availability_zone} is not the volume's (${volume.availabilityZone}); backups are kept with their volume.`,
            'backup.availability_zone',
          );
        }
        const vault = await vaultFor(deps, scope, volume.id, body.container ?? null);
        if (incremental) {
          const prev = await deps.cinder.listBackups({
            projectId: scope.projectId,
            volumeId: volume.id,
            statuses: ['available'],
            sort: [{ key: 'created_at', dir: 'desc' }],
            limit: 1,
            offset: 0,
          });
          if (prev.count === 0) {
            throw invalidBackup('No backups available to do an incremental backup.');
          }
        }
        const created = await deps.checkpoints.create(
          { projectId: scope.projectId, userId: scope.auth.userId },
          {
            vaultId: vault.id,
            resourceIds: [volume.id],
            incremental,
            name: body.name ?? null,
            description: body.description ?? null,
            autoBind: true,
          },
        );
        const made = created.backups.find((x) => x.backup.resourceId === volume.id)?.backup;
        if (!made) {
          const why = created.checkpoint.skipped.map((s) => s.reason).join('; ');
          throw invalidVolume(why || `volume ${volume.id} could not be backed up.`);
        }
        const now = nowTimestamp();
        const metadata = (body.metadata ?? {}) as Record<string, string>;
        await deps.cinder.put({
          backupId: made.id,
          projectId: scope.projectId,
          userId: scope.auth.userId,
          container: body.container ?? null,
          metadata,
          snapshotId: null,
          requestedIncremental: incremental,
          imported: false,
          generatedName: body.name ? null : made.name,
          createdAt: now,
          updatedAt: now,
        });
        reply.code(202);
        return {
          backup: backupSummary(
            made,
            { root: scope.root, projectId: scope.projectId },
            scope.version,
            metadata,
            { generatedName: body.name ? null : made.name },
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
        const deps = protocolDeps(ctx);
        const id = (request.params as { backup_id: string }).backup_id;
        const body = (request.body as UpdateBackupBody).backup;
        gate(scope, body, 'metadata', '3.43');
        const b = await loadBackup(deps, scope, id);
        const now = nowTimestamp();
        let extra = await deps.cinder.get(scope.projectId, b.id);
        // Cinder clears a name with null; a CBR backup always has one, so it gets a generated name that
        // Cinder shows as null (the same as a backup created without a name).
        const cleared = body.name === null ? (extra?.generatedName ?? `manualbk_${b.id.slice(0, 4)}`) : null;
        const patch: { name?: string; description?: string | null } = {};
        if (body.name !== undefined) patch.name = body.name ?? cleared!;
        if (body.description !== undefined) patch.description = body.description;
        await deps.backups.update(scope.projectId, b.id, patch);
        if (body.metadata !== undefined || cleared !== null) {
          await deps.cinder.put({
            backupId: b.id,
            projectId: scope.projectId,
            userId: extra?.userId ?? null,
            container: extra?.container ?? null,
            metadata:
              body.metadata !== undefined
                ? ((body.metadata ?? {}) as Record<string, string>)
                : (extra?.metadata ?? {}),
            snapshotId: extra?.snapshotId ?? null,
            requestedIncremental: extra?.requestedIncremental ?? b.incremental,
            imported: extra?.imported ?? false,
            generatedName: cleared ?? extra?.generatedName ?? null,
            createdAt: extra?.createdAt ?? now,
            updatedAt: now,
          });
          extra = await deps.cinder.get(scope.projectId, b.id);
        }
        const fresh = await loadBackup(deps, scope, b.id);
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

  /** True when a queued or running job (backup, restore, delete) names this backup. */
  async function jobWorksOn(projectId: string, backupId: string): Promise<boolean> {
    for (const status of ['queued', 'running'] as const) {
      const jobs = await ctx.jobs.list({ status, projectId, limit: 10_000 });
      if (jobs.some((j) => (j.payload as { backupId?: unknown } | null)?.backupId === backupId)) return true;
    }
    return false;
  }

  /** Cinder's delete rules: available or error (unless forced), and no incremental backup depends on it. */
  async function deleteBackup(scope: CinderRequestScope, id: string, force: boolean): Promise<void> {
    const deps = protocolDeps(ctx);
    const b = await loadBackup(deps, scope, id);
    if (!force && b.status !== 'available' && b.status !== 'error') {
      throw invalidBackup('Backup status must be available or error');
    }
    const dependents = await deps.cinder.dependentCounts(b.projectId, [b.id]);
    if ((dependents.get(b.id) ?? 0) > 0) throw invalidBackup('Incremental backups exist for this backup.');
    if (force && b.status !== 'available' && b.status !== 'error') {
      // Forced delete of a stuck backup. One that a job is still working on is not stuck: deleting under a
      // running backup/restore would race it, so that is refused; a stuck one is settled in `error` first.
      if (await jobWorksOn(scope.projectId, b.id)) {
        throw invalidBackup(`a ${b.status} job is still running on backup ${b.id}; wait for it to finish.`);
      }
      await deps.backups.resetStatus(scope.projectId, b.id, 'error');
    }
    await deps.backups.delete(scope.projectId, b.id);
  }

  for (const url of bothPaths('/backups/:backup_id')) {
    app.delete(
      url,
      { preHandler, schema: { tags: ['cinder'], summary: 'Delete a backup', params: BackupParams } },
      async (request, reply) => {
        const scope = scopeOf(request, ctx, root);
        await deleteBackup(scope, (request.params as { backup_id: string }).backup_id, false);
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
        const deps = protocolDeps(ctx);
        const b = await loadBackup(deps, scope, (request.params as { backup_id: string }).backup_id);
        const body = (request.body as RestoreBody | undefined)?.restore ?? {};
        if (b.status !== 'available') throw invalidBackup('Backup status must be available');
        let volumeId: string;
        let volumeName: string;
        if (body.volume_id) {
          const vol = await findVolume(scope, body.volume_id);
          const busy = (await volumeBusy(scope, vol)).get(vol.id);
          if (busy)
            throw invalidVolume(
              `Volume to be restored to must be available, but the current status is "${busy}".`,
            );
          if (vol.serverId) {
            throw invalidVolume(
              `Volume to be restored to must be available, but ${vol.id} is in-use (attached to a server).`,
            );
          }
          if (vol.size < b.volumeBytes) {
            throw invalidVolume(
              `volume size ${Math.ceil(vol.size / 1024 ** 3)} is too small to restore backup of size ${b.resourceSizeGb}.`,
            );
          }
          volumeId = vol.id;
          volumeName = vol.name;
        } else {
          const name = body.name || `restore_backup_${b.id}`;
          const vol = await ctx.inventory.createSparseVolume(scope.projectId, {
            name,
            bytes: b.volumeBytes,
            prefix: 'cinder-restore',
            availabilityZone: b.resourceAz ?? undefined,
            description: `Restored from backup ${b.id}`,
          });
          volumeId = vol.id;
          volumeName = vol.name;
        }
        await deps.backups.restore(scope.projectId, b.id, { volumeId });
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
        if (!scope.isAdmin)
          throw new AppError('forbidden', 'Policy does not allow backup:export-import to be performed.');
        const deps = protocolDeps(ctx);
        const b = await loadBackup(deps, scope, (request.params as { backup_id: string }).backup_id);
        if (b.status !== 'available')
          throw invalidBackup('Backup status must be available and not restoring.');
        const vault = await deps.vaults.get(scope.projectId, b.vaultId);
        const extra = await deps.cinder.get(scope.projectId, b.id);
        return {
          'backup-record': { backup_service: BACKUP_SERVICE, backup_url: encodeRecord(b, vault.name, extra) },
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
        if (!scope.isAdmin)
          throw new AppError('forbidden', 'Policy does not allow backup:export-import to be performed.');
        const deps = protocolDeps(ctx);
        const rec = (request.body as ImportRecordBody)['backup-record'];
        const decoded = decodeRecord(rec.backup_service, rec.backup_url);
        const imported = await importRecord(ctx, deps, scope, decoded);
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
        if (!scope.isAdmin)
          throw new AppError('forbidden', 'Policy does not allow this admin action to be performed.');
        const id = (request.params as { backup_id: string }).backup_id;
        const body = request.body as ActionBody;
        if ('os-force_delete' in body) {
          await deleteBackup(scope, id, true);
        } else {
          const status = body['os-reset_status'].status.toLowerCase();
          if (status !== 'available' && status !== 'error') {
            throw badRequest(
              `Invalid input for field/attribute status. Value: ${body['os-reset_status'].status}. '${body['os-reset_status'].status}' is not one of ['available', 'error']`,
              'os-reset_status.status',
            );
          }
          const deps = protocolDeps(ctx);
          const b = await loadBackup(deps, scope, id);
          await deps.backups.resetStatus(
            scope.projectId,
            b.id,
            status,
            status === 'error' ? 'Status reset to error by an administrator.' : undefined,
          );
        }
        reply.code(202).send();
      },
    );
  }
}
