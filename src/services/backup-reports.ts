// Read-only reports over a project's backups that CBR clients ask for: storage used per protected resource
// (ShowStorageUsage) and the description of the server a backup was taken of (ShowMetadata).
import type { ResourceKind } from '../domain/cbr-model.js';
import type { ResourceUsage } from '../domain/ports/cbr-repositories.js';
import { cbrError } from './cbr-deps.js';
import type { ProtocolDeps } from './protocol-deps.js';

export interface StorageUsagePage {
  /** Resources with backups, before paging. */
  count: number;
  items: ResourceUsage[];
}

export async function storageUsage(
  deps: ProtocolDeps,
  projectId: string,
  f: { resourceId?: string; kind?: ResourceKind; offset: number; limit: number },
): Promise<StorageUsagePage> {
  const all = await deps.cbr.backups.storageUsage(projectId, {
    ...(f.resourceId ? { resourceId: f.resourceId } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
  });
  return { count: all.length, items: all.slice(f.offset, f.offset + f.limit) };
}

/** A disk as it was when the backup was taken: the volume, its place in the server and its disk backup. */
export interface BackedUpDisk {
  backupId: string;
  volumeId: string;
  name: string;
  sizeGb: number;
  bytes: number;
  bootable: boolean;
  diskIndex: number;
}

export interface BackupMetadata {
  backupId: string;
  server: { id: string; name: string; availabilityZone: string | null; kind: ResourceKind };
  disks: BackedUpDisk[];
}

/**
 * What the backup recorded about its resource. Only an available backup has a complete record (CBR's
 * BackupService.6206 otherwise).
 */
export async function backupMetadata(
  deps: ProtocolDeps,
  projectId: string,
  backupId: string,
): Promise<BackupMetadata> {
  const { backup, children } = await deps.backups.get(projectId, backupId);
  if (backup.status !== 'available') {
    throw cbrError(
      'validation',
      'BackupService.6206',
      `Metadata query is not allowed in the current backup status: backup ${backupId} is ${backup.status}.`,
      'backup_id',
    );
  }
  const disks = backup.resourceKind === 'server' ? children : [backup];
  return {
    backupId: backup.id,
    server: {
      id: backup.resourceId,
      name: backup.resourceName,
      availabilityZone: backup.resourceAz,
      kind: backup.resourceKind,
    },
    disks: disks.map((d) => ({
      backupId: d.id,
      volumeId: d.resourceId,
      name: d.resourceName,
      sizeGb: d.resourceSizeGb,
      bytes: d.volumeBytes,
      bootable: d.bootable,
      diskIndex: d.diskIndex,
    })),
  };
}
