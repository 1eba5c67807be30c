// Vault lock: in a locked vault no backup can be deleted before its expiry, by anyone or anything (a backup
// with no expiry is kept for good), and the lock cannot be removed. Every delete path asks this one rule.
import type { Backup, Vault } from './cbr-model.js';
import { AppError } from './errors.js';

/** Throws CBR's "locked" refusal when `backup` of `vault` may not be deleted at time `now` (canonical). */
export function assertDeletableUnderLock(
  vault: Pick<Vault, 'id' | 'locked'>,
  backup: Backup,
  now: string,
): void {
  if (!vault.locked) return;
  if (backup.expiredAt !== null && backup.expiredAt <= now) return;
  throw new AppError(
    'validation',
    `The backup ${backup.id} cannot be deleted: vault ${vault.id} is locked and the backup ${
      backup.expiredAt === null ? 'has no expiry' : `is kept until ${backup.expiredAt}`
    }.`,
    { cbr: 'BackupService.6220', field: 'backup_id' },
  );
}
