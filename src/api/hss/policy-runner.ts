// Runs HSS backup policies: at each due slot of an enabled policy bound to a vault, one checkpoint of the
// vault's servers (auto-triggered, incremental), then retention (max_backups / retention_duration_days) on
// the auto-triggered backups of that vault. A slot is claimed in the catalog first (compare-and-set on
// last_run_at), so with several nodes each slot runs once; a node that was down runs the latest missed slot.
import type { AppContext } from '../../context.js';
import { isAppError } from '../../domain/errors.js';
import { protocolDeps } from '../cinder/deps.js';
import { retentionDoomed } from './retention.js';
import { latestSlotOf } from './schedule.js';
import type { OperationDefinition } from './schemas.js';

export interface PolicyRunReport {
  policyId: string;
  slot: string;
  checkpointId: string | null;
  deleted: string[];
  error: string | null;
}

const canonical = (d: Date): string => d.toISOString().replace('Z', '000Z');

/** One pass over every project's policies at time `now`. */
export async function runDuePolicies(ctx: AppContext, now: Date = ctx.now()): Promise<PolicyRunReport[]> {
  const store = ctx.services.hssRecords;
  const reports: PolicyRunReport[] = [];
  for (const p of await store.enabledBoundPolicies()) {
    let slot: Date | null;
    try {
      slot = latestSlotOf(JSON.parse(p.pattern_json) as string[], new Date(p.created_at), now);
    } catch {
      continue;
    }
    if (!slot) continue;
    const slotTs = canonical(slot);
    if (p.last_run_at !== null && p.last_run_at >= slotTs) continue;
    if (!(await store.claimSlot(p.id, p.last_run_at, slotTs))) continue;
    const report: PolicyRunReport = {
      policyId: p.id,
      slot: slotTs,
      checkpointId: null,
      deleted: [],
      error: null,
    };
    reports.push(report);
    const deps = protocolDeps(ctx);
    try {
      const vault = await deps.vaults.get(p.project_id, p.vault_id!);
      if (vault.resources.length > 0) {
        const made = await deps.checkpoints.create(
          { projectId: p.project_id },
          { vaultId: vault.id, incremental: true, autoTrigger: true, name: `autobk_${slotTs.slice(0, 16)}` },
        );
        report.checkpointId = made.checkpoint.id;
      }
      report.deleted = await applyRetention(
        ctx,
        p.project_id,
        vault.id,
        JSON.parse(p.operation_definition_json) as OperationDefinition,
        now,
      );
    } catch (err) {
      report.error = err instanceof Error ? err.message : String(err);
      ctx.log.warn({ err, policyId: p.id }, 'HSS backup policy run failed');
    }
  }
  return reports;
}

/** Deletes the auto-triggered backups of a vault that no retention rule keeps (retention.ts). */
async function applyRetention(
  ctx: AppContext,
  projectId: string,
  vaultId: string,
  def: OperationDefinition,
  now: Date,
): Promise<string[]> {
  const deps = protocolDeps(ctx);
  if ((def.max_backups ?? -1) <= 0 && (def.retention_duration_days ?? -1) <= 0) return [];
  const { items } = await deps.backups.list(
    { projectId, vaultId, parentId: null, statuses: ['available', 'error'] },
    { sort: [{ key: 'created_at', dir: 'desc' }], limit: 100_000, offset: 0 },
  );
  const doomedIds = new Set(
    retentionDoomed(
      items.filter((b) => b.autoTrigger),
      def,
      now,
    ),
  );
  const doomed = items.filter((b) => doomedIds.has(b.id));
  const deleted: string[] = [];
  for (const b of doomed) {
    try {
      await deps.backups.delete(projectId, b.id);
      deleted.push(b.id);
    } catch (err) {
      if (!isAppError(err)) throw err; // a backup that changed state meanwhile is left for the next run
    }
  }
  return deleted;
}

/** Starts the periodic pass; the returned function stops it and waits for a pass in progress. */
export function startPolicyRunner(ctx: AppContext, everyMs = 30_000): () => Promise<void> {
  let current: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (current) return;
    current = runDuePolicies(ctx)
      .catch((err) => ctx.log.warn({ err }, 'HSS backup policy pass failed'))
      .finally(() => {
        current = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if (current) await current;
  };
}
