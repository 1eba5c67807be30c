import type { Backup, BackupStatus, Vault } from '../src/domain/cbr-model.js';
import { microsToTimestamp, newVault } from '../src/domain/cbr-rules.js';
// Synthetic catalog content for the ListBackups reference tests and the API benchmark: realistic spreads of
// vaults, resources, statuses, names and timestamps (with deliberate ties), inserted through the catalog module.
import type { CbrRepositories } from '../src/domain/ports/cbr-repositories.js';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(rand: () => number): string {
  const h = () =>
    Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const s = h() + h() + h() + h();
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

export const SEED_STATUSES: BackupStatus[] = [
  'available',
  'available',
  'available',
  'error',
  'protecting',
  'deleting',
  'restoring',
];
export const SEED_NAMES = ['daily', 'weekly', 'manualbk_a1b2', 'autobk_c3d4', 'nightly', 'pre-upgrade'];
export const SEED_AZS = ['az-01', 'az-02', null];

export interface SeedResult {
  vaults: Vault[];
  resourceIds: string[];
  checkpointIds: string[];
  /** Every seeded backup (only when `keep` was set). */
  backups: Backup[];
  count: number;
}

/**
 * Inserts `count` top-level backups for `projectId` (plus one disk child per server backup, counted) spread
 * over `vaultCount` vaults, `resourceCount` resources and `checkpointCount` checkpoints.
 */
export async function seedBackups(
  store: CbrRepositories,
  opts: {
    projectId: string;
    count: number;
    vaultCount?: number;
    resourceCount?: number;
    checkpointCount?: number;
    seed?: number;
    keep?: boolean;
    batch?: number;
  },
): Promise<SeedResult> {
  const rand = prng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const vaults: Vault[] = [];
  const t0 = Date.UTC(2025, 0, 1) * 1000;
  for (let i = 0; i < (opts.vaultCount ?? 5); i++) {
    const id = uuidFrom(rand);
    const v: Vault = newVault({
      id,
      projectId: opts.projectId,
      userId: null,
      name: `seed-vault-${i}`,
      description: null,
      objectType: i % 2 === 0 ? 'disk' : 'server',
      sizeGb: 10 * (i + 1),
      enterpriseProjectId: i === 0 ? 'ep-1' : '0',
      createdAt: microsToTimestamp(t0 + i),
    });
    await store.vaults.insertVault(v);
    // Usage from 0% to ~95% so that used_percent selects a subset of vaults.
    v.usedBytes = Math.floor(((i * 23) % 100) * 0.01 * v.sizeGb * 1024 ** 3);
    await store.vaults.setVaultUsedBytes(id, v.usedBytes);
    vaults.push(v);
  }
  const resources = Array.from({ length: opts.resourceCount ?? 50 }, () => ({
    id: uuidFrom(rand),
    vault: pick(vaults),
    name: `res-${Math.floor(rand() * 20)}`,
  }));
  const checkpointIds = Array.from({ length: opts.checkpointCount ?? 200 }, () => uuidFrom(rand));
  const all: Backup[] = [];
  let batch: Backup[] = [];
  const flush = async () => {
    await store.backups.insertBackups(batch);
    if (opts.keep) all.push(...batch);
    batch = [];
  };
  let n = 0;
  while (n < opts.count) {
    const r = pick(resources);
    const server = r.vault.objectType === 'server';
    // A catalog grows in time order; about three backups per second, so that ties occur and
    // tie-breaking is exercised (and index inserts are mostly appends, which keeps seeding fast).
    const created = t0 + Math.floor(n / 3 + rand() * 2) * 1_000_000;
    const status = pick(SEED_STATUSES);
    const done = status === 'available' || status === 'restoring' || status === 'deleting';
    const b: Backup = {
      id: uuidFrom(rand),
      projectId: opts.projectId,
      vaultId: r.vault.id,
      checkpointId: pick(checkpointIds),
      parentId: null,
      name: pick(SEED_NAMES),
      description: null,
      imageType: rand() < 0.9 ? 'backup' : 'replication',
      status,
      resourceId: r.id,
      resourceKind: server ? 'server' : 'volume',
      resourceName: r.name,
      resourceSizeGb: 1 + Math.floor(rand() * 100),
      resourceAz: pick(SEED_AZS),
      enterpriseProjectId: r.vault.enterpriseProjectId,
      createdAt: microsToTimestamp(created),
      updatedAt: microsToTimestamp(created + Math.floor(rand() * 5) * 1_000_000),
      protectedAt: done ? microsToTimestamp(created + 60_000_000) : null,
      expiredAt: null,
      incremental: rand() < 0.6,
      autoTrigger: rand() < 0.5,
      bootable: !server,
      systemDisk: !server,
      encrypted: true,
      diskIndex: 0,
      progress: done ? 100 : null,
      failReason: status === 'error' ? 'seeded failure' : null,
      volumeBytes: 1024 ** 3,
      storedBytes: Math.floor(rand() * 1e8),
      engineBackupId: null,
      baseBackupId: null,
    };
    batch.push(b);
    n++;
    if (server && n < opts.count) {
      batch.push({
        ...b,
        id: uuidFrom(rand),
        parentId: b.id,
        name: `${b.name}_disk`,
        resourceId: uuidFrom(rand),
        resourceKind: 'volume',
        resourceName: `${r.name}-disk0`,
        bootable: true,
        systemDisk: true,
      });
      n++;
    }
    if (batch.length >= (opts.batch ?? 2000)) await flush();
  }
  await flush();
  return { vaults, resourceIds: resources.map((r) => r.id), checkpointIds, backups: all, count: n };
}
