// The protocol-neutral services every protocol's use cases call (CBR's vaults, checkpoints and backups, the
// Cinder and HSS records beside them, the inventory, the job queue, the engine and the clock), looked up once
// from the app context. Cinder, HSS and the policy runner share it so that none reaches into another's folder.
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { AppError } from '../domain/errors.js';
import type { IdentityService } from '../domain/identity-service.js';
import type { InventoryService } from '../domain/inventory.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import { timestampsOf } from '../domain/ports/clock.js';
import type { JobQueue } from '../jobs/queue.js';
import type { BackupService } from './backups.js';
import type { CheckpointService } from './checkpoints.js';
import type { CinderRecords } from './cinder-records.js';
import type { HssRecords } from './hss-records.js';
import type { Metrics } from './metrics.js';
import type { OperationLogService } from './oplogs.js';
import type { PolicyService } from './policies.js';
import type { VaultService } from './vaults.js';

/** What an engine offers beyond the services' port: the listing of a vault's backups (record import). */
export interface EngineListing {
  vault(id: string): Promise<{ listBackups(): Promise<Array<{ backupId: string }>> }>;
}

export interface ProtocolDeps {
  vaults: VaultService;
  checkpoints: CheckpointService;
  backups: BackupService;
  operationLogs: OperationLogService;
  /** CBR's backup policies: HSS's backup policies are these, bound to its protection vaults. */
  policies: PolicyService;
  /** CBR's repositories, for the reads the CBR services do not offer (the vault a resource is in). */
  cbr: CbrRepositories;
  cinder: CinderRecords;
  hss: HssRecords;
  identity: IdentityService;
  inventory: InventoryService;
  jobs: JobQueue;
  /** Opened after the services are built (serve), so it is looked up when needed. */
  engine: () => EngineListing | null;
  log: Pick<Logger, 'warn' | 'error' | 'info'>;
  now: () => Date;
  /** Canonical timestamps from the same clock, in one order with the CBR services'. */
  timestamp: () => string;
  /** The context's metrics (the policy runner reports its scheduling lag). */
  metrics?: Metrics;
}

const cache = new WeakMap<AppContext, ProtocolDeps>();

export function protocolDeps(ctx: AppContext): ProtocolDeps {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const s = ctx.services as unknown as Partial<{
    vaults: VaultService;
    checkpoints: CheckpointService;
    backups: BackupService;
    operationLogs: OperationLogService;
    policies: PolicyService;
    cinderRecords: CinderRecords;
    hssRecords: HssRecords;
    cbrRepositories: CbrRepositories;
  }>;
  if (
    !s.vaults ||
    !s.checkpoints ||
    !s.backups ||
    !s.operationLogs ||
    !s.policies ||
    !s.cinderRecords ||
    !s.hssRecords ||
    !s.cbrRepositories
  ) {
    throw new AppError('unavailable', 'The backup services are not running.');
  }
  const deps: ProtocolDeps = {
    vaults: s.vaults,
    checkpoints: s.checkpoints,
    backups: s.backups,
    operationLogs: s.operationLogs,
    policies: s.policies,
    cbr: s.cbrRepositories,
    cinder: s.cinderRecords,
    hss: s.hssRecords,
    identity: ctx.identity,
    inventory: ctx.inventory,
    jobs: ctx.jobs,
    engine: () => ctx.engine as EngineListing | null,
    log: ctx.log,
    now: () => ctx.now(),
    timestamp: timestampsOf(ctx.now),
    metrics: ctx.metrics,
  };
  cache.set(ctx, deps);
  return deps;
}
