// CBR policies: create, list, show, update and delete them, and bind them to vaults (a vault runs at most one
// backup policy, its backup_policy_id). Each command is one transaction; the schedule itself is run by
// policy-runs.ts.
import type { Vault } from '../domain/cbr-model.js';
import { AppError } from '../domain/errors.js';
import {
  type Policy,
  type PolicyDefinition,
  type PolicyOperationType,
  checkPolicyDefinition,
  checkPolicyName,
  checkPolicyPatterns,
  refuseReplication,
} from '../domain/policy.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import { assertRetentionKeptUnderLock } from '../domain/vault-lock.js';
import { type CbrDeps, newId } from './cbr-deps.js';
import type { VaultService } from './vaults.js';

export interface PolicyCreateInput {
  name: string;
  operationType: PolicyOperationType;
  enabled?: boolean;
  definition: PolicyDefinition;
  patterns: string[];
}

export interface PolicyUpdateInput {
  name?: string;
  enabled?: boolean;
  definition?: PolicyDefinition;
  patterns?: string[];
}

/** A policy with the vaults bound to it. */
export interface PolicyView {
  policy: Policy;
  vaultIds: string[];
}

/** Vaults of a project bound to one policy, at most (CBR has no paging here; a project's vaults are few). */
const BOUND_MAX = 10_000;

function policyNotFound(id: string): AppError {
  return new AppError('policy_not_found', `The policy does not exist: policy_id ${id}.`, {
    field: 'policy_id',
  });
}

/** A backup policy of the project that a vault may name (CreateVault's `backup_policy_id`), or a 404. */
export async function requireBackupPolicy(
  repos: CbrRepositories,
  projectId: string,
  id: string,
): Promise<Policy> {
  const p = await repos.policies.getPolicy(projectId, id);
  if (!p) throw policyNotFound(id);
  if (p.operationType !== 'backup') refuseReplication();
  return p;
}

export class PolicyService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly vaults: VaultService,
  ) {}

  async create(projectId: string, input: PolicyCreateInput): Promise<PolicyView> {
    if (input.operationType === 'replication') refuseReplication();
    checkPolicyName(input.name);
    const definition = checkPolicyDefinition(input.definition);
    checkPolicyPatterns(input.patterns);
    const now = this.deps.timestamp();
    const policy: Policy = {
      id: newId(),
      projectId,
      name: input.name,
      operationType: input.operationType,
      enabled: input.enabled ?? true,
      definition,
      triggerId: newId(),
      patterns: [...input.patterns],
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.uow.run((r) => r.policies.insertPolicy(policy));
    return { policy, vaultIds: [] };
  }

  async get(projectId: string, id: string): Promise<PolicyView> {
    const policy = await this.policy(projectId, id);
    return { policy, vaultIds: await this.boundVaults(projectId, id) };
  }

  async list(
    projectId: string,
    f: { operationType?: PolicyOperationType; vaultId?: string },
  ): Promise<PolicyView[]> {
    let policies = await this.deps.repos.policies.listPolicies(projectId, f.operationType);
    if (f.vaultId !== undefined) {
      const v = await this.deps.repos.vaults.getVault(projectId, f.vaultId);
      policies = policies.filter((p) => v !== null && v.backupPolicyId === p.id);
    }
    const out: PolicyView[] = [];
    for (const policy of policies)
      out.push({ policy, vaultIds: await this.boundVaults(projectId, policy.id) });
    return out;
  }

  async update(projectId: string, id: string, input: PolicyUpdateInput): Promise<PolicyView> {
    const current = await this.policy(projectId, id);
    if (input.name !== undefined) checkPolicyName(input.name);
    // An update replaces the definition it gives; the one it leaves out stays.
    const definition =
      input.definition !== undefined ? checkPolicyDefinition(input.definition) : current.definition;
    if (input.patterns !== undefined) checkPolicyPatterns(input.patterns);
    const next: Policy = {
      ...current,
      name: input.name ?? current.name,
      enabled: input.enabled ?? current.enabled,
      definition,
      patterns: input.patterns !== undefined ? [...input.patterns] : current.patterns,
      updatedAt: this.deps.timestamp(),
    };
    await this.deps.uow.run(async (r) => {
      const stored = await r.policies.getPolicy(projectId, id);
      if (!stored) throw this.notFound(id);
      // Checked in the transaction, against the stored definition: a locked vault's retention only grows.
      const { items } = await r.vaults.listVaults({ projectId, policyId: id, limit: BOUND_MAX, offset: 0 });
      for (const v of items)
        assertRetentionKeptUnderLock(v, stored.definition, definition, 'policy.operation_definition');
      await r.policies.updatePolicy(next);
    });
    return this.get(projectId, id);
  }

  /** Deletes the policy; the vaults bound to it are unbound in the same transaction (they keep their backups). */
  async delete(projectId: string, id: string): Promise<void> {
    await this.policy(projectId, id);
    const bound = await this.boundVaults(projectId, id);
    const at = this.deps.timestamp();
    await this.deps.uow.run(async (r) => {
      for (const vaultId of bound)
        await r.vaults.updateVault(vaultId, { backupPolicyId: null, updatedAt: at });
      await r.policies.deletePolicy(id);
    });
  }

  /** Binds backup policies to a vault (`policy_id`, or `add_policy_ids`): the vault's backup policy is replaced. */
  async associate(projectId: string, vaultId: string, policyIds: string[]): Promise<{ policyId: string }> {
    const vault = await this.bindable(projectId, vaultId);
    const policies: Policy[] = [];
    for (const id of new Set(policyIds)) policies.push(await this.policy(projectId, id));
    const backup = policies.filter((p) => p.operationType === 'backup');
    if (policies.length !== backup.length) refuseReplication();
    if (backup.length !== 1)
      throw new AppError(
        'validation',
        'Invalid parameter policy_id: a vault runs exactly one backup policy',
        {
          field: 'add_policy_ids',
        },
      );
    const policy = backup[0]!;
    await this.deps.uow.run(async (r) => {
      if (!(await r.policies.getPolicy(projectId, policy.id))) throw this.notFound(policy.id);
      const cur = (await r.vaults.getVault(projectId, vault.id)) ?? vault;
      const bound = cur.backupPolicyId ? await r.policies.getPolicy(projectId, cur.backupPolicyId) : null;
      assertRetentionKeptUnderLock(cur, bound?.definition ?? null, policy.definition, 'policy_id');
      await r.vaults.updateVault(vault.id, { backupPolicyId: policy.id, updatedAt: this.deps.timestamp() });
    });
    return { policyId: policy.id };
  }

  async dissociate(projectId: string, vaultId: string, policyId: string): Promise<void> {
    const vault = await this.vaults.get(projectId, vaultId);
    await this.policy(projectId, policyId);
    if (vault.backupPolicyId !== policyId) {
      throw new AppError(
        'policy_not_bound',
        `The vault is not applied with the policy: vault_id ${vaultId}, policy_id ${policyId}.`,
        { field: 'policy_id' },
      );
    }
    await this.deps.uow.run((r) =>
      r.vaults.updateVault(vault.id, { backupPolicyId: null, updatedAt: this.deps.timestamp() }),
    );
  }

  private async policy(projectId: string, id: string): Promise<Policy> {
    const p = await this.deps.repos.policies.getPolicy(projectId, id);
    if (!p) throw this.notFound(id);
    return p;
  }

  private notFound(id: string): AppError {
    return policyNotFound(id);
  }

  private async bindable(projectId: string, vaultId: string): Promise<Vault> {
    const vault = await this.vaults.get(projectId, vaultId);
    if (vault.status !== 'available') {
      throw new AppError('validation', `Invalid parameter vault_id: the vault is ${vault.status}`, {
        field: 'vault_id',
      });
    }
    return vault;
  }

  private async boundVaults(projectId: string, policyId: string): Promise<string[]> {
    const { items } = await this.deps.repos.vaults.listVaults({
      projectId,
      policyId,
      limit: BOUND_MAX,
      offset: 0,
    });
    return items.map((v) => v.id);
  }
}
