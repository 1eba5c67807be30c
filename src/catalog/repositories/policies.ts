import type { Policy, PolicyDefinition, PolicyOperationType } from '../../domain/policy.js';
// CBR policies (cbr_policies) and the slot each (policy, vault) last ran (cbr_policy_runs). A vault's binding is
// its backup_policy_id (cbr_vaults).
import type { PolicyRepository } from '../../domain/ports/cbr-repositories.js';
import type { CbrPoliciesTable } from '../policy-tables.js';
import { type CbrDb, atomically } from './sql.js';

function toRow(p: Policy): CbrPoliciesTable {
  return {
    id: p.id,
    project_id: p.projectId,
    name: p.name,
    operation_type: p.operationType,
    enabled: p.enabled ? 1 : 0,
    definition_json: JSON.stringify(p.definition),
    trigger_id: p.triggerId,
    patterns_json: JSON.stringify(p.patterns),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function fromRow(r: CbrPoliciesTable): Policy {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    operationType: r.operation_type as PolicyOperationType,
    enabled: Number(r.enabled) === 1,
    definition: JSON.parse(r.definition_json) as PolicyDefinition,
    triggerId: r.trigger_id,
    patterns: JSON.parse(r.patterns_json) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class SqlPolicyRepository implements PolicyRepository {
  constructor(private readonly db: CbrDb) {}

  async insertPolicy(p: Policy): Promise<void> {
    await this.db.insertInto('cbr_policies').values(toRow(p)).execute();
  }

  async getPolicy(projectId: string, id: string): Promise<Policy | null> {
    const r = await this.db
      .selectFrom('cbr_policies')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async listPolicies(projectId: string, operationType?: PolicyOperationType): Promise<Policy[]> {
    let q = this.db.selectFrom('cbr_policies').selectAll().where('project_id', '=', projectId);
    if (operationType !== undefined) q = q.where('operation_type', '=', operationType);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(fromRow);
  }

  async updatePolicy(p: Policy): Promise<void> {
    const { id, project_id, ...set } = toRow(p);
    await this.db.updateTable('cbr_policies').set(set).where('id', '=', id).execute();
  }

  async deletePolicy(id: string): Promise<void> {
    await atomically(this.db, async (tx) => {
      await tx.deleteFrom('cbr_policy_runs').where('policy_id', '=', id).execute();
      await tx.deleteFrom('cbr_policies').where('id', '=', id).execute();
    });
  }

  async enabledBoundPolicies(): Promise<Array<{ policy: Policy; vaultIds: string[] }>> {
    const rows = await this.db
      .selectFrom('cbr_policies as p')
      .innerJoin('cbr_vaults as v', 'v.backup_policy_id', 'p.id')
      .selectAll('p')
      .select('v.id as vault_id')
      .where('p.enabled', '=', 1)
      .where('p.operation_type', '=', 'backup')
      .where('v.status', '=', 'available')
      .orderBy('p.id')
      .orderBy('v.id')
      .execute();
    const out = new Map<string, { policy: Policy; vaultIds: string[] }>();
    for (const { vault_id, ...r } of rows) {
      const e = out.get(r.id) ?? { policy: fromRow(r), vaultIds: [] };
      e.vaultIds.push(vault_id);
      out.set(r.id, e);
    }
    return [...out.values()];
  }

  async claimSlot(policyId: string, vaultId: string, slot: string): Promise<number | null> {
    return atomically(this.db, async (tx) => {
      const r = await tx
        .insertInto('cbr_policy_runs')
        .values({ policy_id: policyId, vault_id: vaultId, slot, runs: 1 })
        .onConflict((oc) =>
          oc
            .columns(['policy_id', 'vault_id'])
            .doUpdateSet((eb) => ({ slot, runs: eb('cbr_policy_runs.runs', '+', 1) }))
            .where('cbr_policy_runs.slot', '<', slot),
        )
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
      const row = await tx
        .selectFrom('cbr_policy_runs')
        .select('runs')
        .where('policy_id', '=', policyId)
        .where('vault_id', '=', vaultId)
        .executeTakeFirstOrThrow();
      return Number(row.runs);
    });
  }
}
