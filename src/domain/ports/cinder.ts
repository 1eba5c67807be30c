// What the Cinder services need from persistence: Cinder's own backup attributes (metadata, container,
// imported records) beside CBR's backup rows, and the questions the Cinder view asks of CBR's rows (its
// backup listing, dependent incrementals, busy volumes).
import type { Backup, BackupStatus } from '../cbr-model.js';

/** The sort keys Cinder's backup list accepts. */
export const CINDER_SORT_KEYS = [
  'id',
  'name',
  'display_name',
  'status',
  'size',
  'created_at',
  'updated_at',
  'data_timestamp',
  'volume_id',
  'availability_zone',
] as const;
export type CinderSortKey = (typeof CINDER_SORT_KEYS)[number];

/** What Cinder's backup list may ask: volume backups (OS::Cinder::Volume) that are not a server's disks. */
export interface CinderBackupQuery {
  /** null = every project (admin all_tenants). */
  projectId: string | null;
  name?: string;
  nameLike?: string;
  statuses?: BackupStatus[];
  volumeId?: string;
  volumeIdLike?: string;
  sort: Array<{ key: CinderSortKey; dir: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
  marker?: string;
}

export class CinderMarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`Marker ${marker} could not be found.`);
  }
}

export interface CinderBackupExtra {
  backupId: string;
  projectId: string;
  userId: string | null;
  container: string | null;
  metadata: Record<string, string>;
  snapshotId: string | null;
  requestedIncremental: boolean;
  imported: boolean;
  /** The name CBR generated when the client gave none. */
  generatedName?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CinderRepository {
  /** Inserts or replaces the Cinder attributes of a backup. */
  put(extra: CinderBackupExtra): Promise<void>;
  get(projectId: string, backupId: string): Promise<CinderBackupExtra | null>;
  getMany(projectId: string, backupIds: string[]): Promise<Map<string, CinderBackupExtra>>;
  /**
   * Volumes of `volumeIds` that a job is working on, as Cinder's volume status says it: `backing-up` while a
   * backup of it runs, `restoring-backup` while a restore writes to it (or to the server it belongs to).
   */
  busyVolumes(
    projectId: string,
    volumes: Array<{ id: string; serverId: string | null }>,
  ): Promise<Map<string, 'backing-up' | 'restoring-backup'>>;
  /** The project owning a vault id, whatever the project (import_record checks ownership with it). */
  vaultProject(vaultId: string): Promise<string | null>;
  /** One page of a Cinder backup listing plus the total before paging; CinderMarkerNotFound for a bad marker. */
  listBackups(q: CinderBackupQuery): Promise<{ items: Backup[]; count: number }>;
  /** How many backups are incremental to each of `backupIds` (CBR's base_backup_id). */
  dependentCounts(projectId: string, backupIds: string[]): Promise<Map<string, number>>;
}
