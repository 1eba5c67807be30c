// Runs backup policies: at each due slot of an enabled policy bound to a vault, one checkpoint of the
// vault's resources (auto-triggered, incremental), then retention (max_backups / retention_duration_days) on
// the auto-triggered backups of that vault. A slot is claimed in the catalog first (compare-and-set on
// last_run_at), so with several nodes each slot runs once; a node that was down runs the latest missed slot.
// The policies are HSS's today; what a pass does with one (schedule, checkpoint, retention) is not.
import type { OperationDefinition } from '../domain/backup-policy.js';
import { isAppError } from '../domain/errors.js';
import { expiresBackups, retentionDoomed } from '../domain/retention.js';
import { latestSlotOf } from '../domain/schedule.js';
import { toTimestamp } from '../domain/timestamps.js';
import type { ProtocolDeps } from './protocol-deps.js';

export interface PolicyRunReport {
  policyId: string;
  slot: string;
  checkpointId: string | null;
  deleted: string[];
  error: string | null;
}

/** One pass over every project's policies at time `now`. */
export async function runDuePolicies(deps: ProtocolDeps, now: Date = deps.now()): Promise<PolicyRunReport[]> {
  const reports: PolicyRunReport[] = [];
  for (const p of await deps.hss.enabledBoundPolicies()) {
    let slot: Date | null;
    try {
      slot = latestSlotOf(JSON.parse(p.pattern_json) as string[], new Date(p.created_at), now);
    } catch {
      continue;
    }
    if (!slot) continue;
    const slotTs = toTimestamp(slot);
    if (p.last_run_at !== null && p.last_run_at >= slotTs) continue;
    if (!(await deps.hss.claimSlot(p.id, p.last_run_at, slotTs))) continue;
    const report: PolicyRunReport = {
      policyId: p.id,
      slot: slotTs,
      checkpointId: null,
      deleted: [],
      error: null,
    };
    reports.push(report);
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
        deps,
        p.project_id,
        vault.id,
        JSON.parse(p.operation_definition_json) as OperationDefinition,
        now,
      );
    } catch (err) {
      report.error = err instanceof Error ? err.message : String(err);
      deps.log.warn({ err, policyId: p.id }, 'backup policy run failed');
    }
  }
  return reports;
}

/** Deletes the auto-triggered backups of a vault that no retention rule keeps (domain/retention.ts). */
async function applyRetention(
  deps: ProtocolDeps,
  projectId: string,
  vaultId: string,
  def: OperationDefinition,
  now: Date,
): Promise<string[]> {
  if (!expiresBackups(def)) return [];
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
