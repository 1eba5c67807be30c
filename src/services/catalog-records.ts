// Catalog records: when a backup commits, its catalog entries (project, vault, checkpoint, the backup and its
// disk children) are written into its vault in the object store, encrypted and authenticated by the engine, so
// `opencbr catalog rebuild` can re-create them after the catalog is lost. docs/format.md describes the record.
import type { Backup, Checkpoint, Vault } from '../domain/cbr-model.js';
import type { Server, Volume } from '../domain/inventory.js';
import type { CbrDeps } from './cbr-deps.js';

export const RECORD_VERSION = 1;

/** The identity project a vault belongs to, as the rebuild needs it to re-create the project. */
export interface ProjectInfo {
  id: string;
  name: string;
  domainId: string;
  domainName: string;
}

export interface BackupRecordV1 {
  kind: 'backup';
  version: 1;
  writtenAt: string;
  project: ProjectInfo | null;
  vault: Vault;
  checkpoint: Checkpoint | null;
  backup: Backup;
  children: Backup[];
  /** The inventory entries backed up (the disks, and the server), so a rebuild can declare them again. */
  volumes?: Volume[];
  server?: Server | null;
}

export const backupRecordName = (backupId: string): string => `backup ${backupId}`;

export class CatalogRecords {
  constructor(
    private readonly deps: CbrDeps,
    private readonly project: (projectId: string) => Promise<ProjectInfo | null>,
  ) {}

  /** (Re)writes the record of a top-level backup; a no-op without an engine or for a backup with no data. */
  async backupCommitted(backupId: string): Promise<void> {
    const e = this.deps.engine();
    const top = await this.deps.repos.backups.getBackup(backupId);
    if (!e || !top || top.parentId !== null) return;
    const children = top.resourceKind === 'server' ? await this.deps.repos.backups.getChildren(top.id) : [];
    const withData = [top, ...children].some((d) => d.engineBackupId && d.status !== 'error');
    const vault = await this.deps.repos.vaults.getVault(top.projectId, top.vaultId);
    if (!withData || !vault) return;
    const rec: BackupRecordV1 = {
      kind: 'backup',
      version: RECORD_VERSION,
      writtenAt: new Date().toISOString(),
      project: await this.project(top.projectId),
      vault,
      checkpoint: await this.deps.repos.checkpoints.getCheckpoint(top.projectId, top.checkpointId),
      backup: top,
      children,
      ...(await this.inventoryOf(top, children)),
    };
    await (await e.vault(top.vaultId)).putRecord(backupRecordName(top.id), Buffer.from(JSON.stringify(rec)));
  }

  private async inventoryOf(
    top: Backup,
    children: Backup[],
  ): Promise<{ volumes: Volume[]; server: Server | null }> {
    const inv = this.deps.inventory;
    if (top.resourceKind === 'server') {
      const server = await inv.getServer(top.projectId, top.resourceId).catch(() => null);
      return { volumes: server?.volumes ?? [], server };
    }
    const ids = [top, ...children].map((d) => d.resourceId);
    const volumes: Volume[] = [];
    for (const id of ids) {
      const v = await inv.getVolume(top.projectId, id).catch(() => null);
      if (v) volumes.push(v);
    }
    return { volumes, server: null };
  }

  async backupDeleted(vaultId: string, backupId: string): Promise<void> {
    const e = this.deps.engine();
    if (e) await (await e.vault(vaultId)).deleteRecord(backupRecordName(backupId));
  }
}
