// The metrics scrape's view of every vault: three grouped queries, whatever the number of backups.
import type { VaultFigures } from '../../domain/ports/cbr-repositories.js';
import { num } from './rows.js';
import type { CbrDb } from './sql.js';

export async function vaultFigures(db: CbrDb): Promise<VaultFigures[]> {
  const vaults = await db
    .selectFrom('cbr_vaults')
    .select(['id', 'name', 'project_id', 'size_gb', 'used_bytes'])
    .orderBy('id')
    .execute();
  const counts = await db
    .selectFrom('cbr_backups')
    .select((eb) => ['vault_id', 'status', eb.fn.countAll<number | string>().as('n')])
    .where('parent_id', 'is', null)
    .groupBy(['vault_id', 'status'])
    .execute();
  // Disk backups carry the data (a server backup's own row has none): engine_backup_id marks them.
  const protectedRows = await db
    .selectFrom('cbr_backups')
    .select((eb) => ['vault_id', eb.fn.sum<number | string>('volume_bytes').as('b')])
    .where('status', '=', 'available')
    .where('engine_backup_id', 'is not', null)
    .groupBy('vault_id')
    .execute();
  const byVault = new Map<string, Record<string, number>>();
  for (const c of counts) {
    const m = byVault.get(c.vault_id) ?? {};
    m[c.status] = num(c.n);
    byVault.set(c.vault_id, m);
  }
  const protectedBytes = new Map(protectedRows.map((r) => [r.vault_id, num(r.b)]));
  return vaults.map((v) => ({
    id: v.id,
    name: v.name,
    projectId: v.project_id,
    sizeGb: v.size_gb,
    usedBytes: num(v.used_bytes),
    protectedBytes: protectedBytes.get(v.id) ?? 0,
    backupsByStatus: byVault.get(v.id) ?? {},
  }));
}
