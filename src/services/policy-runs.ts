// The one policy engine: at each due slot of an enabled backup policy bound to a vault, one checkpoint of the
// vault's resources (auto-triggered), then retention on the auto-triggered backups of that vault. A slot is
// claimed in the catalog first (cbr_policy_runs), so with several nodes each slot runs once; a node that was down
// runs the latest missed slot. HSS's backup policies are CBR policies bound to its protection vaults, so they run
// here too, by the same rules.
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

/** Every retention sweep of a vault between slots is at least this far apart (per process). */
const SWEEP_MS = 3_600_000;
const lastSweep = new WeakMap<ProtocolDeps, Map<string, number>>();

/**
 * CBR policies: each bound vault's latest due slot is claimed in the catalog (one caller per slot, whatever the
 * number of nodes), then one checkpoint of the vault's resources, auto-triggered and named as CBR names automatic
 * backups, with the policy in its operation logs; every `full_backup_interval`th run is a full backup. Retention
 * runs after each slot and, between slots, at most hourly, so that `retention_duration_days` expires backups on
 * time. A crash between the claim and the checkpoint loses that slot: the next one runs.
 */
export async function runDueCbrPolicies(
  deps: ProtocolDeps,
  now: Date = deps.now(),
): Promise<PolicyRunReport[]> {
  const reports: PolicyRunReport[] = [];
  const sweeps = lastSweep.get(deps) ?? new Map<string, number>();
  lastSweep.set(deps, sweeps);
  for (const { policy, vaultIds } of await deps.cbr.policies.enabledBoundPolicies()) {
    const def = policy.definition;
    const slot = latestSlotOf(policy.patterns, new Date(policy.createdAt), now);
    const slotTs = slot ? toTimestamp(slot) : null;
    for (const vaultId of vaultIds) {
      const run = slotTs ? await deps.cbr.policies.claimSlot(policy.id, vaultId, slotTs) : null;
      if (run !== null) deps.metrics?.policySlotClaimed(slot!, now);
      const swept = sweeps.get(vaultId) ?? 0;
      if (run === null && now.getTime() - swept < SWEEP_MS) continue;
      const report: PolicyRunReport = {
        policyId: policy.id,
        slot: run === null ? '' : slotTs!,
        checkpointId: null,
        deleted: [],
        error: null,
      };
      reports.push(report);
      try {
        if (run !== null) {
          const vault = await deps.vaults.get(policy.projectId, vaultId);
          if (vault.resources.length > 0) {
            const every = def.full_backup_interval ?? -1;
            const made = await deps.checkpoints.create(
              { projectId: policy.projectId },
              {
                vaultId,
                incremental: !(every > 0 && run % every === 0),
                autoTrigger: true,
                name: `autobk_${slotTs!.slice(0, 16)}`,
                policyId: policy.id,
                retentionDays: def.retention_duration_days ?? -1,
              },
            );
            report.checkpointId = made.checkpoint.id;
          }
        }
        sweeps.set(vaultId, now.getTime());
        report.deleted = await applyRetention(deps, policy.projectId, vaultId, def, now);
      } catch (err) {
        report.error = err instanceof Error ? err.message : String(err);
        deps.log.warn({ err, policyId: policy.id, vaultId }, 'backup policy run failed');
      }
    }
  }
  return reports;
}

/** The scheduler's pass (serve, tests): the one engine under the name its callers know. */
export const runDuePolicies = runDueCbrPolicies;

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
