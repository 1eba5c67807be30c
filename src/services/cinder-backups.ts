// Cinder's backup use cases over CBR's services: which backups Cinder sees, where a backup goes, when a
// volume may be backed up or restored to, Cinder's delete and reset rules. One use case per function; the
// Cinder routes parse and gate their bodies, call these, and render the errors in Cinder's fault body.
import { CINDER_STATUSES, hasCompleteData, statusesOfCinder } from '../domain/backup-status.js';
import type { Backup, BackupStatus, Vault } from '../domain/cbr-model.js';
import { canDelete, canRestore } from '../domain/cbr-rules.js';
import { AppError, isAppError } from '../domain/errors.js';
import { assertDeletableUnderLock } from '../domain/vault-lock.js';
import {
  backupNotFound,
  badRequest,
  invalidBackup,
  invalidVolume,
  snapshotNotFound,
} from './cinder-errors.js';
import {
  CINDER_SORT_KEYS,
  type CinderBackupExtra,
  CinderMarkerNotFound,
  type CinderSortKey,
} from './cinder-records.js';
import { type CinderListRequest, findVolume, volumeBusy } from './cinder-volumes.js';
import { CHUNK_SIZE } from './engine-port.js';
import type { ProtocolDeps } from './protocol-deps.js';

export { CINDER_SORT_KEYS };
export const BACKUP_FILTERS = ['name', 'status', 'volume_id'] as const;

/** Who calls: the token's project and user, and whether it has the admin role. */
export interface CinderCaller {
  projectId: string;
  userId: string;
  isAdmin: boolean;
}

/** Cinder-only attributes kept next to a shared backup (null for backups made through CBR/HSS). */
export interface CinderExtra {
  userId: string | null;
  container: string | null;
  metadata: Record<string, string>;
  snapshotId: string | null;
  /** Name CBR generated because the Cinder client gave none. */
  generatedName?: string | null;
}

/** Everything Cinder's backup detail shows about one backup. */
export interface CinderBackupView {
  backup: Backup;
  extra: CinderExtra | null;
  /** The name of the vault holding the data: the backup's real "container". */
  vaultName: string | null;
  /** The vault's creator: the `user_id` of backups recorded before their creator was (older rows). */
  vaultUserId?: string | null;
  hasDependents: boolean;
  objectCount: number | null;
}

/** Cinder's admin-only calls (record export and import, reset-status and force-delete), as its policy words it. */
export function requireCinderAdmin(caller: CinderCaller, action: string): void {
  if (!caller.isAdmin) throw new AppError('forbidden', `Policy does not allow ${action} to be performed.`);
}

/** A backup Cinder may see: a volume backup of the caller's project that is not one disk of a server backup. */
export async function loadCinderBackup(deps: ProtocolDeps, projectId: string, id: string): Promise<Backup> {
  let b: Backup;
  try {
    b = (await deps.backups.get(projectId, id)).backup;
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
export async function extrasOf(deps: ProtocolDeps, items: Backup[]): Promise<Map<string, CinderBackupExtra>> {
  const out = new Map<string, CinderBackupExtra>();
  for (const [pid, ids] of idsByProject(items)) {
    for (const [k, v] of await deps.cinder.getMany(pid, ids)) out.set(k, v);
  }
  return out;
}

/**
 * Cinder's object_count is the number of chunk objects a backup consists of (its chunked driver stores one
 * object per chunk). opencbr's engine keeps a fixed-size chunk index per disk image, so a finished backup
 * is exactly ceil(volume bytes / chunk size) chunks (shared ones included, as Cinder counts them). Null
 * while it runs or when it failed, as Cinder shows.
 */
function objectCountOf(b: Backup): number | null {
  if (!hasCompleteData(b.status)) return null;
  return Math.ceil(b.volumeBytes / CHUNK_SIZE);
}

/** What the backup detail shows of each backup: Cinder's attributes, vault, dependents, object count. */
export async function describeBackups(deps: ProtocolDeps, items: Backup[]): Promise<CinderBackupView[]> {
  const extras = await extrasOf(deps, items);
  const dependents = new Map<string, number>();
  for (const [pid, ids] of idsByProject(items)) {
    for (const [k, v] of await deps.cinder.dependentCounts(pid, ids)) dependents.set(k, v);
  }
  const vaults = new Map<string, Vault | null>();
  for (const b of items) {
    if (!vaults.has(b.vaultId)) vaults.set(b.vaultId, await deps.cbr.vaults.getVault(b.projectId, b.vaultId));
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

/** One page of the backups Cinder sees, with their total (`status` filters in Cinder's statuses). */
export async function listCinderBackups(
  deps: ProtocolDeps,
  caller: CinderCaller,
  p: CinderListRequest,
): Promise<{ items: Backup[]; count: number }> {
  let statuses: BackupStatus[] | undefined;
  if (p.exact.status !== undefined) statuses = statusesOfCinder(p.exact.status);
  if (p.like.status !== undefined) {
    const want = p.like.status.toLowerCase();
    statuses = CINDER_STATUSES.filter((s) => s.includes(want)).flatMap((s) => statusesOfCinder(s));
  }
  try {
    return await deps.cinder.listBackups({
      projectId: p.allTenants && caller.isAdmin ? null : caller.projectId,
      ...(p.exact.name !== undefined ? { name: p.exact.name } : {}),
      ...(p.like.name !== undefined ? { nameLike: p.like.name } : {}),
      ...(statuses !== undefined ? { statuses } : {}),
      ...(p.exact.volume_id !== undefined ? { volumeId: p.exact.volume_id } : {}),
      ...(p.like.volume_id !== undefined ? { volumeIdLike: p.like.volume_id } : {}),
      sort: p.sort.map((s) => ({ key: s.key as CinderSortKey, dir: s.dir })),
      limit: p.limit,
      offset: p.offset,
      ...(p.marker !== null ? { marker: p.marker } : {}),
    });
  } catch (err) {
    if (err instanceof CinderMarkerNotFound)
      throw badRequest(`Marker ${err.marker} could not be found.`, 'marker');
    throw err;
  }
}

/** The vault a Cinder backup of `volumeId` goes to: the one it is bound to, the container named, or the default. */
async function vaultFor(
  deps: ProtocolDeps,
  caller: CinderCaller,
  volumeId: string,
  container: string | null,
): Promise<Vault> {
  const boundId = await deps.cbr.vaults.vaultOfResource(caller.projectId, volumeId);
  const bound = boundId ? await deps.vaults.get(caller.projectId, boundId) : null;
  if (container === null || container === '') {
    return bound ?? deps.vaults.defaultVault(caller.projectId, 'disk');
  }
  // A container is a disk vault, by id or name; as Swift creates a missing container, a missing vault is created.
  const { items } = await deps.vaults.list({
    projectId: caller.projectId,
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
    { projectId: caller.projectId, userId: caller.userId },
    {
      name: container,
      objectType: 'disk',
      protectType: 'backup',
      consistentLevel: 'crash_consistent',
      sizeGb: 10485760,
    },
  );
}

export interface CreateCinderBackup {
  volumeId: string;
  name: string | null;
  description: string | null;
  container: string | null;
  metadata: Record<string, string>;
  snapshotId: string | null;
  availabilityZone: string | null;
  force: boolean;
  incremental: boolean;
}

/** Backs a volume up (Cinder's checks first), recording Cinder's attributes beside the CBR backup. */
export async function createCinderBackup(
  deps: ProtocolDeps,
  caller: CinderCaller,
  req: CreateCinderBackup,
): Promise<{ backup: Backup; generatedName: string | null }> {
  const volume = await findVolume(deps, caller.projectId, req.volumeId);
  if (req.snapshotId) {
    // opencbr has no volume snapshots: a backup always reads the volume itself.
    throw snapshotNotFound(req.snapshotId);
  }
  const busy = (await volumeBusy(deps, caller.projectId, volume)).get(volume.id);
  if (busy) {
    throw invalidVolume(
      `Volume to be backed up must be available or in-use, but the current status is "${busy}".`,
    );
  }
  if (volume.serverId && !req.force) {
    throw invalidVolume('Backing up an in-use volume must use the force flag.');
  }
  if (req.availabilityZone && req.availabilityZone !== volume.availabilityZone) {
    throw badRequest(
      `Invalid input received: availability zone ${req.availabilityZone} is not the volume's (${volume.availabilityZone}); backups are kept with their volume.`,
      'backup.availability_zone',
    );
  }
  const vault = await vaultFor(deps, caller, volume.id, req.container);
  if (req.incremental) {
    const prev = await deps.cinder.listBackups({
      projectId: caller.projectId,
      volumeId: volume.id,
      statuses: ['available'],
      sort: [{ key: 'created_at', dir: 'desc' }],
      limit: 1,
      offset: 0,
    });
    if (prev.count === 0) throw invalidBackup('No backups available to do an incremental backup.');
  }
  const created = await deps.checkpoints.create(
    { projectId: caller.projectId, userId: caller.userId },
    {
      vaultId: vault.id,
      resourceIds: [volume.id],
      incremental: req.incremental,
      name: req.name,
      description: req.description,
      autoBind: true,
    },
  );
  const made = created.backups.find((x) => x.backup.resourceId === volume.id)?.backup;
  if (!made) {
    const why = created.checkpoint.skipped.map((s) => s.reason).join('; ');
    throw invalidVolume(why || `volume ${volume.id} could not be backed up.`);
  }
  const now = deps.timestamp();
  const generatedName = req.name ? null : made.name;
  await deps.cinder.put({
    backupId: made.id,
    projectId: caller.projectId,
    userId: caller.userId,
    container: req.container,
    metadata: req.metadata,
    snapshotId: null,
    requestedIncremental: req.incremental,
    imported: false,
    generatedName,
    createdAt: now,
    updatedAt: now,
  });
  return { backup: made, generatedName };
}

export interface UpdateCinderBackup {
  /** null clears the name (Cinder then shows null). */
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string> | null;
}

/** Renames, redescribes or replaces the metadata of a backup; returns it and its Cinder attributes. */
export async function updateCinderBackup(
  deps: ProtocolDeps,
  caller: CinderCaller,
  id: string,
  change: UpdateCinderBackup,
): Promise<{ backup: Backup; extra: CinderBackupExtra | null }> {
  const b = await loadCinderBackup(deps, caller.projectId, id);
  const now = deps.timestamp();
  let extra = await deps.cinder.get(caller.projectId, b.id);
  // Cinder clears a name with null; a CBR backup always has one, so it gets a generated name that
  // Cinder shows as null (the same as a backup created without a name).
  const cleared = change.name === null ? (extra?.generatedName ?? `manualbk_${b.id.slice(0, 4)}`) : null;
  const patch: { name?: string; description?: string | null } = {};
  if (change.name !== undefined) patch.name = change.name ?? cleared!;
  if (change.description !== undefined) patch.description = change.description;
  await deps.backups.update(caller.projectId, b.id, patch);
  if (change.metadata !== undefined || cleared !== null) {
    await deps.cinder.put({
      backupId: b.id,
      projectId: caller.projectId,
      userId: extra?.userId ?? null,
      container: extra?.container ?? null,
      metadata: change.metadata !== undefined ? (change.metadata ?? {}) : (extra?.metadata ?? {}),
      snapshotId: extra?.snapshotId ?? null,
      requestedIncremental: extra?.requestedIncremental ?? b.incremental,
      imported: extra?.imported ?? false,
      generatedName: cleared ?? extra?.generatedName ?? null,
      createdAt: extra?.createdAt ?? now,
      updatedAt: now,
    });
    extra = await deps.cinder.get(caller.projectId, b.id);
  }
  return { backup: await loadCinderBackup(deps, caller.projectId, b.id), extra };
}

/** True when a queued or running job (backup, restore, delete) names this backup. */
async function jobWorksOn(deps: ProtocolDeps, projectId: string, backupId: string): Promise<boolean> {
  for (const status of ['queued', 'running'] as const) {
    const jobs = await deps.jobs.list({ status, projectId, limit: 10_000 });
    if (jobs.some((j) => (j.payload as { backupId?: unknown } | null)?.backupId === backupId)) return true;
  }
  return false;
}

/** Cinder's delete rules: available or error (unless forced), and no incremental backup depends on it. */
export async function deleteCinderBackup(
  deps: ProtocolDeps,
  caller: CinderCaller,
  id: string,
  force: boolean,
): Promise<void> {
  const b = await loadCinderBackup(deps, caller.projectId, id);
  if (!force && !canDelete(b)) throw invalidBackup('Backup status must be available or error');
  assertDeletableUnderLock(await deps.vaults.get(caller.projectId, b.vaultId), b, deps.timestamp());
  const dependents = await deps.cinder.dependentCounts(b.projectId, [b.id]);
  if ((dependents.get(b.id) ?? 0) > 0) throw invalidBackup('Incremental backups exist for this backup.');
  if (force && !canDelete(b)) {
    // Forced delete of a stuck backup. One that a job is still working on is not stuck: deleting under a
    // running backup/restore would race it, so that is refused; a stuck one is settled in `error` first.
    if (await jobWorksOn(deps, caller.projectId, b.id)) {
      throw invalidBackup(`a ${b.status} job is still running on backup ${b.id}; wait for it to finish.`);
    }
    await deps.backups.resetStatus(caller.projectId, b.id, 'error');
  }
  await deps.backups.delete(caller.projectId, b.id);
}

/** An administrator's reset of a backup's status (Cinder allows available and error). */
export async function resetCinderBackupStatus(
  deps: ProtocolDeps,
  caller: CinderCaller,
  id: string,
  status: 'available' | 'error',
): Promise<void> {
  const b = await loadCinderBackup(deps, caller.projectId, id);
  await deps.backups.resetStatus(
    caller.projectId,
    b.id,
    status,
    status === 'error' ? 'Status reset to error by an administrator.' : undefined,
  );
}

/**
 * Restores a backup onto an existing volume (available, detached, large enough) or, without one, onto a new
 * sparse volume of the backup's size. Returns the target.
 */
export async function restoreCinderBackup(
  deps: ProtocolDeps,
  caller: CinderCaller,
  id: string,
  target: { volumeId?: string; name?: string },
): Promise<{ backup: Backup; volumeId: string; volumeName: string }> {
  const b = await loadCinderBackup(deps, caller.projectId, id);
  if (!canRestore(b)) throw invalidBackup('Backup status must be available');
  let volumeId: string;
  let volumeName: string;
  if (target.volumeId) {
    const vol = await findVolume(deps, caller.projectId, target.volumeId);
    const busy = (await volumeBusy(deps, caller.projectId, vol)).get(vol.id);
    if (busy)
      throw invalidVolume(`Volume to be restored to must be available, but the current status is "${busy}".`);
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
    const vol = await deps.inventory.createSparseVolume(caller.projectId, {
      name: target.name || `restore_backup_${b.id}`,
      bytes: b.volumeBytes,
      prefix: 'cinder-restore',
      availabilityZone: b.resourceAz ?? undefined,
      description: `Restored from backup ${b.id}`,
    });
    volumeId = vol.id;
    volumeName = vol.name;
  }
  await deps.backups.restore(caller.projectId, b.id, { volumeId });
  return { backup: b, volumeId, volumeName };
}

/** An available backup with the name of its vault and its Cinder attributes: what an exported record holds. */
export async function backupForExport(
  deps: ProtocolDeps,
  caller: CinderCaller,
  id: string,
): Promise<{ backup: Backup; vaultName: string; extra: CinderBackupExtra | null }> {
  const b = await loadCinderBackup(deps, caller.projectId, id);
  if (b.status !== 'available') throw invalidBackup('Backup status must be available and not restoring.');
  const vault = await deps.vaults.get(caller.projectId, b.vaultId);
  return { backup: b, vaultName: vault.name, extra: await deps.cinder.get(caller.projectId, b.id) };
}
