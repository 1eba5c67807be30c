// Vault capacity (`billing.size`, GB) and its usage threshold (`threshold`, percent): whether a checkpoint fits,
// how far an auto-expanding vault grows, and when used space crosses the threshold. Plain functions: the
// checkpoint command and the backup job ask them, and a metrics module can read vaultCapacity() of each vault.
//
// The rule that decides whether a checkpoint fits: the vault's used bytes plus an estimate of what the new
// backups will store must not exceed its size. The estimate of a resource is its full size (the sum of its
// disks) when its backup will be full (no available backup of it in the vault, or a full backup asked for),
// and zero when it will be incremental: the changed blocks are known only once they are read, so that case is
// caught when the backup commits (backupOverflow) instead.
import type { Vault } from './cbr-model.js';
import { GIB } from './cbr-rules.js';
import { AppError } from './errors.js';

type Sized = Pick<Vault, 'id' | 'sizeGb' | 'usedBytes' | 'autoExpand' | 'threshold'>;

/** What a metrics module (or anyone) reads of a vault's capacity. */
export interface VaultCapacity {
  capacityBytes: number;
  usedBytes: number;
  /** Used / capacity, 0 when the vault has no capacity. */
  usedRatio: number;
  thresholdPercent: number;
  overThreshold: boolean;
}

export function vaultCapacity(v: Sized): VaultCapacity {
  const capacityBytes = v.sizeGb * GIB;
  const usedRatio = capacityBytes > 0 ? v.usedBytes / capacityBytes : 0;
  return {
    capacityBytes,
    usedBytes: v.usedBytes,
    usedRatio,
    thresholdPercent: v.threshold,
    overThreshold: usedRatio * 100 >= v.threshold,
  };
}

/** The size in GB an auto-expanding vault grows to so that `neededBytes` fit (never smaller than now). */
export function expandedSizeGb(v: Pick<Vault, 'sizeGb'>, neededBytes: number): number {
  return Math.max(v.sizeGb, Math.ceil(neededBytes / GIB));
}

/**
 * What a checkpoint estimated at `estimateBytes` does to the vault: null when it fits, the new size when the
 * vault auto-expands, or CBR's capacity refusal (BackupService.6114) with the figures.
 */
export function checkpointCapacity(v: Sized, estimateBytes: number): { growToGb: number } | null {
  const needed = v.usedBytes + estimateBytes;
  if (needed <= v.sizeGb * GIB) return null;
  if (v.autoExpand) return { growToGb: expandedSizeGb(v, needed) };
  throw capacityError(v, needed, 'checkpoint.vault_id');
}

/** The refusal (or failure reason) when `neededBytes` do not fit in `v`. */
export function capacityError(
  v: Pick<Vault, 'id' | 'sizeGb'>,
  neededBytes: number,
  field?: string,
): AppError {
  return new AppError(
    'vault_capacity_exceeded',
    `Insufficient vault capacity: vault ${v.id} holds ${v.sizeGb} GB and would need ${mb(neededBytes)} MB (auto_expand is off).`,
    field ? { field } : {},
  );
}

/** True when used space goes from under the threshold to at or over it (once per crossing, not per backup). */
export function thresholdCrossed(
  v: Pick<Vault, 'sizeGb' | 'threshold'>,
  before: number,
  after: number,
): boolean {
  const limit = (v.sizeGb * GIB * v.threshold) / 100;
  return v.sizeGb > 0 && before < limit && after >= limit;
}

function mb(bytes: number): number {
  return Math.ceil(bytes / 1024 ** 2);
}
