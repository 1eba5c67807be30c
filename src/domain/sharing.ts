// Backup sharing between projects: a share record (member) per receiving project, and the rules of who may do
// what with a shared backup. Plain rules, no I/O.
import type { Backup } from './cbr-model.js';

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** CBR shares one backup with at most this many projects (BackupService.6701 past it). */
export const MAX_MEMBERS_PER_BACKUP = 10;

/** One project a backup is shared with. */
export interface Member {
  /** The share record's own id. */
  id: string;
  backupId: string;
  /** The project that owns the backup. */
  ownerProjectId: string;
  /** The receiving project (the member_id of the member routes). */
  destProjectId: string;
  status: MemberStatus;
  /** The receiver's vault, named when it accepts. */
  vaultId: string | null;
  /** An image registered from the shared backup: opencbr registers none, so always null. */
  imageId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const MEMBER_SORT_KEYS = ['created_at', 'updated_at', 'status', 'dest_project_id'] as const;
export type MemberSortKey = (typeof MEMBER_SORT_KEYS)[number];

export interface MemberFilter {
  backupId: string;
  destProjectId?: string;
  status?: MemberStatus;
  vaultId?: string;
  imageId?: string;
  sort: Array<{ key: MemberSortKey; dir: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
  /** The last member of the previous page. */
  marker?: string;
}

/**
 * What a project may do with a backup: `owner` everything, `member` read it (and restore it once accepted);
 * null when the backup is none of its business (answered as an unknown backup).
 */
export type BackupAccess = { role: 'owner' } | { role: 'member'; member: Member } | null;

export function accessOf(projectId: string, b: Backup, membership: Member | null): BackupAccess {
  if (b.projectId === projectId) return { role: 'owner' };
  if (membership && membership.destProjectId === projectId) return { role: 'member', member: membership };
  return null;
}

/** The backup a share record names for `b`: the backup itself, or the server backup a disk backup belongs to. */
export const sharedRootOf = (b: Backup): string => b.parentId ?? b.id;

/**
 * Why `b` cannot be shared, as [CBR code, message], or null when it can: a top-level backup (server or disk)
 * that is available. A server backup's disks go with it, never alone.
 */
export function shareRefusal(b: Backup): [string, string] | null {
  if (b.parentId !== null) {
    return [
      'BackupService.6700',
      `Only cloud server backups can be shared: ${b.id} is a disk of server backup ${b.parentId}; share that one.`,
    ];
  }
  if (b.status !== 'available') {
    return [
      'BackupService.6702',
      `Only backups in the Available status can be shared: ${b.id} is ${b.status}.`,
    ];
  }
  return null;
}

/** `accept`/`reject` (the seed's spelling of ListBackups' member_status) name the same states. */
export function memberStatusOf(s: string): MemberStatus | null {
  if (s === 'accept') return 'accepted';
  if (s === 'reject') return 'rejected';
  return (MEMBER_STATUSES as readonly string[]).includes(s) ? (s as MemberStatus) : null;
}
