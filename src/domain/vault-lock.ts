// Vault lock: in a locked vault no backup can be deleted before its expiry, by anyone or anything (a backup
// with no expiry is kept for good), and the lock cannot be removed. Every delete path asks this one rule.
// An update may lengthen, never shorten, the retention that governs a locked vault's backups (UpdatePolicy,
// AssociateVaultPolicy): retentionShortening below.
import type { OperationDefinition } from './backup-policy.js';
import type { Backup, Vault } from './cbr-model.js';
import { AppError } from './errors.js';
import { expiresBackups } from './retention.js';

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

/** A limit where -1 (or absent, or 0) means none: compared as +∞. */
function limit(n: number | undefined): number {
  return n !== undefined && n > 0 ? n : Number.POSITIVE_INFINITY;
}

const LONG_TERM = ['day_backups', 'week_backups', 'month_backups', 'year_backups'] as const;

/**
 * Why `next` would expire some backup sooner than `current` does, or null when it keeps at least everything
 * `current` keeps, for every possible set of backups. `current` null: no policy governs the vault, and binding
 * one shortens nothing the lock protects (each backup keeps its own `expired_at`, and one with none is kept
 * for good). A definition that expires nothing (long-term rules alone) never shortens; otherwise the count
 * and age limits may only grow, and the long-term rules may only keep more, in the same time zone.
 */
export function retentionShortening(
  current: OperationDefinition | null,
  next: OperationDefinition,
): string | null {
  if (current === null || !expiresBackups(next)) return null;
  if (limit(next.max_backups) < limit(current.max_backups))
    return `max_backups ${next.max_backups} keeps fewer backups than ${expiresBackups(current) ? (current.max_backups ?? -1) : 'the current policy (none expire)'}`;
  if (limit(next.retention_duration_days) < limit(current.retention_duration_days))
    return `retention_duration_days ${next.retention_duration_days} is shorter than ${expiresBackups(current) ? (current.retention_duration_days ?? -1) : 'the current policy (none expire)'}`;
  if (!expiresBackups(current)) return null; // unreachable: a limit above would have dropped from +∞
  for (const k of LONG_TERM) {
    if ((next[k] ?? 0) < (current[k] ?? 0)) return `${k} ${next[k] ?? 0} keeps fewer than ${current[k]}`;
  }
  const keepsLongTerm = LONG_TERM.some((k) => (current[k] ?? 0) > 0);
  if (keepsLongTerm && (next.timezone ?? 'UTC+00:00') !== (current.timezone ?? 'UTC+00:00'))
    return `timezone ${next.timezone} moves the long-term periods of ${current.timezone}`;
  return null;
}

/** Throws CBR's refusal when `next` would shorten the retention of locked `vault`'s current policy. */
export function assertRetentionKeptUnderLock(
  vault: Pick<Vault, 'id' | 'locked'>,
  current: OperationDefinition | null,
  next: OperationDefinition,
  field: string,
): void {
  if (!vault.locked) return;
  const why = retentionShortening(current, next);
  if (why === null) return;
  throw new AppError(
    'validation',
    `Vault ${vault.id} is locked: its backups' retention may be lengthened, never shortened (${why}).`,
    { cbr: 'BackupService.6127', field },
  );
}
