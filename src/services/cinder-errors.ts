// The errors Cinder's use cases raise, in the words Cinder itself uses (cinder/exception.py), so that a
// client's message matching keeps working; the Cinder API renders them in its fault body.
import { AppError } from '../domain/errors.js';

/** Cinder's "Invalid backup: <reason>" (InvalidBackup, 400). */
export function invalidBackup(reason: string): AppError {
  return new AppError('validation', `Invalid backup: ${reason}`);
}

/** Cinder's "Invalid volume: <reason>" (InvalidVolume, 400). */
export function invalidVolume(reason: string): AppError {
  return new AppError('validation', `Invalid volume: ${reason}`);
}

export function backupNotFound(id: string): AppError {
  return new AppError('backup_not_found', `Backup ${id} could not be found.`);
}

export function volumeNotFound(id: string): AppError {
  return new AppError('volume_not_found', `Volume ${id} could not be found.`);
}

export function badRequest(message: string, field?: string): AppError {
  return new AppError('validation', message, field === undefined ? {} : { field });
}

export function snapshotNotFound(id: string): AppError {
  return new AppError('resource_not_found', `Snapshot ${id} could not be found.`, { status: 404 });
}
