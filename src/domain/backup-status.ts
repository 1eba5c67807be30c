// Groups of backup statuses the services and protocols decide on: a backup being made, restored from or
// deleted (each with the waiting status its job has before it starts), and those with complete data.
import type { BackupStatus, OperationStatus } from './cbr-model.js';

export const BACKING_UP: readonly BackupStatus[] = ['protecting', 'waiting_protect'];
export const RESTORING: readonly BackupStatus[] = ['restoring', 'waiting_restore'];
export const DELETING: readonly BackupStatus[] = ['deleting', 'waiting_delete'];

/** A job works on the backup: it cannot be deleted, restored or changed until that job ends. */
export const BUSY: readonly BackupStatus[] = [...BACKING_UP, ...RESTORING, ...DELETING];

/** Every status but `error`: the backups a checkpoint still counts as a resource's. */
export const LIVE: readonly BackupStatus[] = ['available', ...BUSY];

/** The backup's data is all in the vault (restores and deletes read or remove it; making a backup has ended). */
export function hasCompleteData(s: BackupStatus): boolean {
  return s === 'available' || s === 'restoring' || s === 'deleting';
}

export function isBackingUp(s: BackupStatus): boolean {
  return BACKING_UP.includes(s);
}

/** An operation that has not ended: its job waits to start or runs. */
export const OPERATION_OPEN: readonly OperationStatus[] = ['waiting', 'running'];

export const OPERATION_STATUSES: readonly OperationStatus[] = [
  'success',
  'skipped',
  'failed',
  'running',
  'timeout',
  'waiting',
];

/** The statuses Cinder shows a backup in (CBR has no "creating"; Cinder has no "protecting"). */
export const CINDER_STATUSES = ['creating', 'available', 'deleting', 'restoring', 'error'] as const;
export type CinderStatus = (typeof CINDER_STATUSES)[number];

export function cinderStatusOf(s: BackupStatus): CinderStatus {
  if (BACKING_UP.includes(s)) return 'creating';
  if (DELETING.includes(s)) return 'deleting';
  if (RESTORING.includes(s)) return 'restoring';
  return s === 'available' ? 'available' : 'error';
}

/** The shared statuses a Cinder status filter value stands for (none for an unknown value). */
export function statusesOfCinder(s: string): BackupStatus[] {
  switch (s.toLowerCase()) {
    case 'creating':
      return [...BACKING_UP];
    case 'available':
      return ['available'];
    case 'deleting':
      return [...DELETING];
    case 'restoring':
      return [...RESTORING];
    case 'error':
      return ['error'];
    default:
      return [];
  }
}
