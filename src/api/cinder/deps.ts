// The protocol-neutral services the Cinder and HSS APIs call, looked up once from the app context.
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import type { BackupService } from '../../services/backups.js';
import type { CheckpointService } from '../../services/checkpoints.js';
import type { CinderRecords } from '../../services/cinder-records.js';
import type { CbrServices } from '../../services/index.js';
import type { VaultService } from '../../services/vaults.js';

export interface ProtocolDeps {
  vaults: VaultService;
  checkpoints: CheckpointService;
  backups: BackupService;
  /** Catalog reads the services do not offer (vault of a resource, children, updates). */
  cbr: CbrServices['cbrStore'];
  cinder: CinderRecords;
}

const cache = new WeakMap<AppContext, ProtocolDeps>();

export function protocolDeps(ctx: AppContext): ProtocolDeps {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const s = ctx.services as unknown as Partial<{
    vaults: VaultService;
    checkpoints: CheckpointService;
    backups: BackupService;
    cinderRecords: CinderRecords;
    cbrStore: CbrServices['cbrStore'];
  }>;
  if (!s.vaults || !s.checkpoints || !s.backups || !s.cinderRecords || !s.cbrStore) {
    throw new AppError('unavailable', 'The backup services are not running.');
  }
  const deps: ProtocolDeps = {
    vaults: s.vaults,
    checkpoints: s.checkpoints,
    backups: s.backups,
    cbr: s.cbrStore,
    cinder: s.cinderRecords,
  };
  cache.set(ctx, deps);
  return deps;
}
