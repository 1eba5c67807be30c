// CBR protocol-neutral services, added to the app context and wired to the job queue.
// Cinder and HSS call these (ctx.services.vaults / checkpoints / backups / operationLogs), never CBR routes.
import type { AppContext } from '../context.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import { timestampsOf } from '../domain/ports/clock.js';
import { BackupService, type DeleteJobPayload, type RestoreJobPayload } from './backups.js';
import { CatalogRecords } from './catalog-records.js';
import type { CbrDeps } from './cbr-deps.js';
import { type BackupJobPayload, CheckpointService } from './checkpoints.js';
import type { EnginePort } from './engine-port.js';
import { type GcJobPayload, recoverGcJob, runGcJob } from './gc.js';
import { OperationLogService } from './oplogs.js';
import { PolicyService } from './policies.js';
import { reconcile } from './reconciler.js';
import { type ProjectExists, SharingService } from './sharing.js';
import { TagService } from './tags.js';
import { recoverVaultDeleteJob, runVaultDeleteJob } from './vault-delete.js';
import { VAULT_DELETE_JOB, type VaultDeleteJobPayload, VaultService } from './vaults.js';
import { type VerifyJobPayload, VerifyService } from './verify.js';

export interface CbrServices {
  /** The repositories the services read through (the backups one behind the read cache on SQLite). */
  cbrRepositories: CbrRepositories;
  vaults: VaultService;
  checkpoints: CheckpointService;
  backups: BackupService;
  operationLogs: OperationLogService;
  policies: PolicyService;
  verify: VerifyService;
  sharing: SharingService;
  tags: TagService;
}

declare module '../context.js' {
  interface AppServices extends CbrServices {}
}

export function createCbrServices(
  deps: CbrDeps,
  projectExists: ProjectExists = async () => false,
): CbrServices {
  const operationLogs = new OperationLogService(deps);
  const vaults = new VaultService(deps, operationLogs);
  const checkpoints = new CheckpointService(deps, vaults, operationLogs);
  const backups = new BackupService(deps, vaults, operationLogs);
  const verify = new VerifyService(deps, backups, vaults, operationLogs);
  const policies = new PolicyService(deps, vaults);
  const sharing = new SharingService(deps, vaults, projectExists);
  const tags = new TagService(deps, vaults);
  return {
    cbrRepositories: deps.repos,
    vaults,
    checkpoints,
    backups,
    operationLogs,
    policies,
    verify,
    sharing,
    tags,
  };
}

/** Service factory for openContext: builds the services and registers their jobs. */
export function cbrServiceFactory(ctx: AppContext): void {
  const deps: CbrDeps = {
    repos: ctx.catalog.cbr,
    uow: ctx.catalog.unitOfWork(() => ctx.jobs.notify()),
    clock: ctx.now,
    timestamp: timestampsOf(ctx.now),
    inventory: ctx.inventory,
    jobs: ctx.jobs,
    engine: () => ctx.engine as EnginePort | null,
    log: ctx.log,
    metrics: ctx.metrics,
  };
  deps.records = new CatalogRecords(deps, async (projectId) => {
    const p = await ctx.identity.getProject({ id: projectId }).catch(() => null);
    if (!p) return null;
    const d = await ctx.identity.getDomain(p.domainId).catch(() => null);
    return { id: p.id, name: p.name, domainId: p.domainId, domainName: d?.name ?? 'Default' };
  });
  const s = createCbrServices(
    deps,
    async (id) => !!(await ctx.identity.getProject({ id }).catch(() => undefined)),
  );
  Object.assign(ctx.services, s);
  ctx.jobs.register<BackupJobPayload>('backup', {
    run: (j) => s.checkpoints.runBackupJob(j),
    recover: (job, reason, error) => s.checkpoints.recoverBackupJob(job, reason, error),
  });
  ctx.jobs.register<RestoreJobPayload>('restore', {
    run: (j) => s.backups.runRestoreJob(j),
    recover: (job, reason, error) => s.backups.recoverRestoreJob(job, reason, error),
  });
  ctx.jobs.register<GcJobPayload>('gc', {
    run: (j) => runGcJob(deps, j),
    recover: (job, reason) => recoverGcJob(job, reason),
  });
  ctx.jobs.register<VerifyJobPayload>('verify', {
    run: (j) => s.verify.runVerifyJob(j),
    recover: (job, reason, error) => s.verify.recoverVerifyJob(job, reason, error),
  });
  ctx.jobs.register<VaultDeleteJobPayload>(VAULT_DELETE_JOB, {
    run: (j) => runVaultDeleteJob(deps, s.operationLogs, j),
    recover: (job, reason, error) => recoverVaultDeleteJob(deps, s.operationLogs, job, reason, error),
  });
  ctx.jobs.onStart(async () => {
    await reconcile(deps, ctx.catalog.jobs, s.operationLogs);
  });
  ctx.jobs.register<DeleteJobPayload>('delete', {
    run: (j) => s.backups.runDeleteJob(j),
    recover: (job, reason, error) => s.backups.recoverDeleteJob(job, reason, error),
  });
}
