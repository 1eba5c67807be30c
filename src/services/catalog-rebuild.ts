// Catalog rebuild: re-creates projects, vaults, checkpoints and backups (server backups with their disk
// children) from what the object store holds, read with the master key: each backup's catalog record
// (catalog-records.ts) where there is one, else what its manifest's labels say. Only backups whose data is in
// the vault (a readable manifest) are registered; entries already in the catalog are left as they are, so a
// rebuild can be run again, or into a catalog that lost only part of its rows.
import type { Backup, Checkpoint, ResourceKind, Vault } from '../domain/cbr-model.js';
import { bytesToGb, microsToTimestamp, newVault, nowTimestamp } from '../domain/cbr-rules.js';
import type { Server, Volume } from '../domain/inventory.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import { type BackupRecordV1, type ProjectInfo, RECORD_VERSION } from './catalog-records.js';
import type { EngineBackupInfo, EnginePort } from './engine-port.js';

/** Re-creates an identity project (and its domain) under its recorded id when it is missing. */
export interface ProjectRestorer {
  ensure(p: ProjectInfo): Promise<boolean>;
}

/** Declares recorded volumes and servers again, under their ids, where their paths still hold them. */
export interface InventoryRestorer {
  /** Returns how many volumes and servers were declared again. */
  ensure(volumes: Volume[], server: Server | null): Promise<number>;
}

export interface RebuildDeps {
  repos: CbrRepositories;
  inventory?: InventoryRestorer;
  engine: EnginePort;
  projects: ProjectRestorer;
  refreshUsage(vaultId: string): Promise<void>;
}

export interface RebuildReport {
  vaults: number;
  projects: number;
  /** Ids of the projects re-created (identity is not in the object store: their users are gone). */
  projectIds: string[];
  checkpoints: number;
  /** Top-level backups registered (a server backup counts once, its disks with it). */
  backups: number;
  /** Of those, registered from manifest labels alone (no catalog record): names and descriptions are lost. */
  fromLabels: number;
  /** Volumes and servers declared again from the records (where their paths still exist). */
  inventory: number;
  /** Already in the catalog, left untouched. */
  present: number;
  /** Records whose data is no longer in the vault (a deleted backup), with the reason. */
  skipped: Array<{ backupId: string; reason: string }>;
  /** Manifests and records that could not be read. */
  damaged: Array<{ key: string; reason: string }>;
}

const SETTLED = (status: Backup['status']): Backup['status'] => (status === 'error' ? 'error' : 'available');

export async function rebuildCatalog(deps: RebuildDeps): Promise<RebuildReport> {
  const report: RebuildReport = {
    vaults: 0,
    projects: 0,
    projectIds: [],
    checkpoints: 0,
    backups: 0,
    fromLabels: 0,
    inventory: 0,
    present: 0,
    skipped: [],
    damaged: [],
  };
  for (const vaultId of await deps.engine.listVaults()) {
    await rebuildVault(deps, vaultId, report);
  }
  return report;
}

async function rebuildVault(deps: RebuildDeps, vaultId: string, report: RebuildReport): Promise<void> {
  const ve = await deps.engine.vault(vaultId);
  const scan = await ve.scanBackups();
  const listed = await ve.listRecords();
  report.damaged.push(...scan.damaged, ...listed.damaged);
  const data = new Map(scan.backups.map((b) => [b.backupId, b]));
  const records: BackupRecordV1[] = [];
  for (const r of listed.records) {
    try {
      const rec = JSON.parse(r.data.toString('utf8')) as BackupRecordV1;
      if (rec.kind === 'backup' && rec.version === RECORD_VERSION && rec.backup?.vaultId === vaultId)
        records.push(rec);
      else report.damaged.push({ key: r.name, reason: 'record of an unknown kind or version' });
    } catch (e) {
      report.damaged.push({ key: r.name, reason: `record is not JSON: ${(e as Error).message}` });
    }
  }
  // The newest record knows the vault best (renames, resources).
  records.sort((a, b) => (a.writtenAt < b.writtenAt ? 1 : a.writtenAt > b.writtenAt ? -1 : 0));
  const covered = new Set<string>();
  let vaultReady = false;
  let registered = 0;
  for (const rec of records) {
    const top = rec.backup;
    const disks = top.resourceKind === 'server' ? rec.children : [top];
    for (const d of disks) if (d.engineBackupId) covered.add(d.engineBackupId);
    const withData = disks.filter((d) => d.engineBackupId && data.has(d.engineBackupId));
    if (withData.length === 0) {
      report.skipped.push({ backupId: top.id, reason: 'its data is no longer in the vault' });
      continue;
    }
    if (!vaultReady) {
      await ensureProject(deps, report, rec.project ?? fallbackProject(top.projectId));
      vaultReady = await ensureVault(deps, report, rec.vault);
    }
    if (deps.inventory)
      report.inventory += await deps.inventory.ensure(rec.volumes ?? [], rec.server ?? null);
    if (await deps.repos.backups.getBackup(top.id)) {
      report.present++;
      continue;
    }
    const children = rec.children.map((c) =>
      c.engineBackupId && data.has(c.engineBackupId)
        ? { ...c, status: SETTLED(c.status) }
        : {
            ...c,
            status: 'error' as const,
            failReason: c.failReason ?? 'its data was not in the vault at rebuild',
          },
    );
    const backup = {
      ...top,
      status:
        top.resourceKind === 'server' && children.every((c) => c.status === 'error')
          ? 'error'
          : SETTLED(top.status),
    } satisfies Backup;
    await ensureCheckpoint(deps, report, rec.checkpoint ?? checkpointOf(rec.vault, [backup]), [backup]);
    await deps.repos.backups.insertBackups([backup, ...children]);
    report.backups++;
    registered++;
  }

  // Backups with data but no record (written before records existed, or the record write failed).
  const orphans = scan.backups.filter((b) => !covered.has(b.backupId));
  if (orphans.length > 0) registered += await fromLabels(deps, vaultId, orphans, report, vaultReady);
  if (registered > 0) await deps.refreshUsage(vaultId).catch(() => undefined);
}

async function ensureProject(deps: RebuildDeps, report: RebuildReport, p: ProjectInfo): Promise<void> {
  if (await deps.projects.ensure(p)) {
    report.projects++;
    report.projectIds.push(p.id);
  }
}

/** Inserts the vault unless present; its resources only where no other vault holds them now. */
async function ensureVault(deps: RebuildDeps, report: RebuildReport, v: Vault): Promise<boolean> {
  if (await deps.repos.vaults.getVault(v.projectId, v.id)) return true;
  const free: Vault['resources'] = [];
  for (const r of v.resources)
    if (!(await deps.repos.vaults.vaultOfResource(v.projectId, r.id))) free.push(r);
  await deps.repos.vaults.insertVault({ ...v, status: 'available', resources: free });
  report.vaults++;
  return true;
}

async function ensureCheckpoint(
  deps: RebuildDeps,
  report: RebuildReport,
  c: Checkpoint,
  tops: Backup[],
): Promise<void> {
  if (await deps.repos.checkpoints.getCheckpoint(c.projectId, c.id)) return;
  const failed = tops.every((b) => b.status === 'error');
  await deps.repos.checkpoints.insertCheckpoint({ ...c, status: failed ? 'error' : 'available' });
  report.checkpoints++;
}

function fallbackProject(projectId: string): ProjectInfo {
  return { id: projectId, name: `recovered-${projectId.slice(0, 8)}`, domainId: '', domainName: 'Default' };
}

function checkpointOf(v: Vault, tops: Backup[]): Checkpoint {
  const first = tops[0]!;
  return {
    id: first.checkpointId,
    projectId: v.projectId,
    vaultId: v.id,
    vaultName: v.name,
    status: 'available',
    name: first.name,
    description: first.description,
    incremental: tops.every((b) => b.incremental),
    autoTrigger: first.autoTrigger,
    retentionDays: -1,
    createdAt: first.createdAt,
    updatedAt: nowTimestamp(),
    resources: tops.map((b) => ({
      id: b.resourceId,
      kind: b.resourceKind,
      name: b.resourceName,
      sizeGb: b.resourceSizeGb,
      protectStatus: 'available' as const,
      backupCount: 1,
      backupBytes: b.storedBytes,
    })),
    skipped: [],
  };
}

/**
 * What a manifest alone tells: project, vault, checkpoint and resource ids, and for a server's disk its server
 * backup's id. Lost: every name and description, the server's resource id (the server backup's own id stands in
 * for it), the vault's settings (defaults are used) and the checkpoint's other resources.
 */
async function fromLabels(
  deps: RebuildDeps,
  vaultId: string,
  infos: EngineBackupInfo[],
  report: RebuildReport,
  vaultReady: boolean,
): Promise<number> {
  const usable = infos.filter(
    (i) => i.labels.projectId && i.labels.vaultId === vaultId && i.labels.resourceId,
  );
  if (usable.length === 0) return 0;
  const projectId = usable[0]!.labels.projectId!;
  if (!vaultReady) {
    await ensureProject(deps, report, fallbackProject(projectId));
    const server = usable.some((i) => i.labels.parentId);
    const now = nowTimestamp();
    await ensureVault(
      deps,
      report,
      newVault({
        id: vaultId,
        projectId,
        userId: null,
        name: `recovered-${vaultId.slice(0, 8)}`,
        description: 'Re-created by opencbr catalog rebuild from the backups it holds',
        objectType: server ? 'server' : 'disk',
        createdAt: usable[0]!.createdAt,
        updatedAt: now,
      }),
    );
  }
  const vault = (await deps.repos.vaults.getVault(projectId, vaultId))!;
  // Disks of one server backup share its id as `parentId`.
  const groups = new Map<string, EngineBackupInfo[]>();
  for (const i of usable) {
    const key = i.labels.parentId ?? i.backupId;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  let n = 0;
  for (const [topId, members] of groups) {
    if (await deps.repos.backups.getBackup(topId)) {
      report.present++;
      continue;
    }
    const first = members[0]!;
    const isServer = first.labels.parentId !== undefined;
    const rows = members
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
      .map((m, k) => labelBackup(vault, m, isServer ? topId : null, k));
    const top = isServer
      ? {
          ...rows[0]!,
          id: topId,
          parentId: null,
          resourceId: topId,
          resourceKind: 'server' as ResourceKind,
          resourceName: `recovered-server-${topId.slice(0, 8)}`,
          engineBackupId: null,
          volumeBytes: rows.reduce((a, r) => a + r.volumeBytes, 0),
          storedBytes: rows.reduce((a, r) => a + r.storedBytes, 0),
          resourceSizeGb: rows.reduce((a, r) => a + r.resourceSizeGb, 0),
          name: `recovered_${topId.slice(0, 8)}`,
          bootable: false,
          systemDisk: true,
        }
      : rows[0]!;
    await ensureCheckpoint(deps, report, checkpointOf(vault, [top]), [top]);
    await deps.repos.backups.insertBackups(isServer ? [top, ...rows] : [top]);
    report.backups++;
    report.fromLabels++;
    n++;
  }
  return n;
}

function labelBackup(v: Vault, i: EngineBackupInfo, parentId: string | null, diskIndex: number): Backup {
  const now = nowTimestamp();
  const created = toTimestamp(i.createdAt);
  return {
    id: i.backupId,
    projectId: v.projectId,
    vaultId: v.id,
    checkpointId: i.labels.checkpointId ?? i.backupId,
    parentId,
    name: `recovered_${i.backupId.slice(0, 8)}`,
    description: null,
    imageType: 'backup',
    status: 'available',
    resourceId: i.labels.resourceId!,
    resourceKind: 'volume',
    resourceName: i.labels.resourceId!,
    resourceSizeGb: bytesToGb(i.volumeSize),
    resourceAz: null,
    enterpriseProjectId: v.enterpriseProjectId,
    createdAt: created,
    updatedAt: now,
    protectedAt: created,
    expiredAt: null,
    incremental: i.parentBackupId !== null,
    autoTrigger: false,
    // Unknown from a manifest: the first disk of a server stands for its system disk.
    bootable: parentId !== null && diskIndex === 0,
    systemDisk: parentId !== null && diskIndex === 0,
    encrypted: true,
    diskIndex,
    progress: 100,
    failReason: null,
    volumeBytes: i.volumeSize,
    storedBytes: i.storedBytes,
    engineBackupId: i.backupId,
    baseBackupId: i.parentBackupId,
    userId: null,
  };
}

/** Manifests record ISO times (`…123Z`); the catalog's canonical timestamps have microseconds. */
function toTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? nowTimestamp() : microsToTimestamp(d.getTime() * 1000);
}
