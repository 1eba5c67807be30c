// HSS's policies: the backup policy of a protection vault (a CBR policy: schedule and retention, run by
// policy-runs.ts) and the ransomware protection policies hosts are bound to. One use case per function; the HSS routes map
// their wire shapes to these and the errors to HSS's body.
import { randomUUID } from 'node:crypto';
import {
  type OperationDefinition,
  checkOperationDefinition,
  checkSchedulePatterns,
} from '../domain/backup-policy.js';
import type { Vault } from '../domain/cbr-model.js';
import { AppError, invalidField, isAppError } from '../domain/errors.js';
import { type Policy, checkPolicyDefinition, checkPolicyPatterns } from '../domain/policy.js';
import type { ProtectionPolicyRow } from './hss-records.js';
import type { PolicyCreateInput, PolicyUpdateInput } from './policies.js';
import type { ProtocolDeps } from './protocol-deps.js';

/** HSS answers every missing record alike (HSS.0011), naming what is missing. */
export function missing(what: string, id: string): AppError {
  return new AppError('resource_not_found', `The ${what} ${id} does not exist.`);
}

/** A server vault of the project: HSS protects hosts (servers) only. */
export async function serverVault(
  deps: ProtocolDeps,
  projectId: string,
  vaultId: string,
  field: string,
): Promise<Vault> {
  const v = await deps.vaults.get(projectId, vaultId).catch((err) => {
    if (isAppError(err) && err.code === 'vault_not_found') throw missing('vault', vaultId);
    throw err;
  });
  if (v.objectType !== 'server') throw invalidField(field, `vault ${vaultId} is not a server backup vault`);
  return v;
}

// -------------------------------------------------------------------- backup policies
// HSS's backup policies are CBR's backup policies: the policy of a protection vault is the vault's
// backup_policy_id, changed through PolicyService and run by CBR's one scheduler (policy-runs.ts).

/** A backup policy of the project, as HSS names a missing one. */
export async function getBackupPolicy(deps: ProtocolDeps, projectId: string, id: string): Promise<Policy> {
  const p = await deps.cbr.policies.getPolicy(projectId, id);
  if (!p || p.operationType !== 'backup') throw missing('backup policy', id);
  return p;
}

/** The backup policy a vault runs (its CBR binding), if any. */
export async function policyOfVault(deps: ProtocolDeps, vault: Vault): Promise<Policy | null> {
  return vault.backupPolicyId ? deps.cbr.policies.getPolicy(vault.projectId, vault.backupPolicyId) : null;
}

/** The policy of the vault HSS protects hosts with (the vault of the most recently protected host). */
export async function protectionVaultPolicy(deps: ProtocolDeps, projectId: string): Promise<Policy> {
  const hosts = (await deps.hss.hostsOf(projectId))
    .filter((h) => h.vault_id && h.backup_protection_status === 'opened')
    .sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
  const vaultId = hosts[0]?.vault_id;
  if (!vaultId) throw missing('protection vault of project', projectId);
  const vault = await deps.cbr.vaults.getVault(projectId, vaultId);
  const p = vault ? await policyOfVault(deps, vault) : null;
  if (!p) throw missing('backup policy of vault', vaultId);
  return p;
}

/** One page of the project's backup policies, newest first (`id`: that one only). */
export async function listBackupPolicies(
  deps: ProtocolDeps,
  projectId: string,
  f: { id?: string; offset: number; limit: number },
): Promise<{ items: Policy[]; count: number }> {
  const all = (await deps.cbr.policies.listPolicies(projectId, 'backup'))
    .filter((p) => f.id === undefined || p.id === f.id)
    .reverse();
  return { items: all.slice(f.offset, f.offset + f.limit), count: all.length };
}

export interface BackupPolicyChange {
  enabled?: boolean;
  operationDefinition?: OperationDefinition;
  patterns?: string[];
}

/**
 * Changes what is given, as a CBR UpdatePolicy (the same rules, vault lock included): HSS's own checks come
 * first so that a refusal names the field as HSS's body does.
 */
export async function updateBackupPolicy(
  deps: ProtocolDeps,
  projectId: string,
  id: string,
  change: BackupPolicyChange,
): Promise<void> {
  await getBackupPolicy(deps, projectId, id);
  const input: PolicyUpdateInput = {};
  if (change.enabled !== undefined) input.enabled = change.enabled;
  if (change.operationDefinition !== undefined) {
    input.definition = checkOperationDefinition('operation_definition', change.operationDefinition);
  }
  if (change.patterns !== undefined) {
    checkSchedulePatterns('trigger.properties.pattern', change.patterns);
    input.patterns = change.patterns;
  }
  await deps.policies.update(projectId, id, input).catch(asMissing('backup policy', id));
}

/** Binds the policy to a server vault, as CBR's AssociateVaultPolicy (the vault's previous policy is replaced). */
export async function associateBackupPolicy(
  deps: ProtocolDeps,
  projectId: string,
  vaultId: string,
  policyId: string,
): Promise<void> {
  await serverVault(deps, projectId, vaultId, 'vault_id');
  await getBackupPolicy(deps, projectId, policyId);
  await deps.policies.associate(projectId, vaultId, [policyId]).catch(asMissing('backup policy', policyId));
}

export interface NewBackupCycle {
  enabled?: boolean;
  operationDefinition?: OperationDefinition;
  patterns: string[];
}

/**
 * A new backup policy from a protection request's backup cycle, checked by HSS's field names and by every CBR
 * policy rule, so that creating it (PolicyService.create) cannot fail once the rest of the request is checked.
 */
export function newBackupPolicy(cycle: NewBackupCycle): PolicyCreateInput {
  checkSchedulePatterns('backup_cycle.trigger.properties.pattern', cycle.patterns);
  const def = checkOperationDefinition('backup_cycle.operation_definition', cycle.operationDefinition);
  checkPolicyPatterns(cycle.patterns);
  return {
    name: `hss-backup-policy-${randomUUID().slice(0, 8)}`,
    operationType: 'backup',
    enabled: cycle.enabled !== false,
    definition: checkPolicyDefinition(def),
    patterns: cycle.patterns,
  };
}

/** Server vaults of the project (name substring, id), with their backup policy, one page of them. */
export async function listServerVaults(
  deps: ProtocolDeps,
  projectId: string,
  f: { name?: string; id?: string; offset: number; limit: number },
): Promise<{ items: Array<{ vault: Vault; policy: Policy | null }>; count: number }> {
  const { items } = await deps.vaults.list({ projectId, objectType: 'server', limit: 100_000, offset: 0 });
  const matched = items.filter(
    (v) => (f.name === undefined || v.name.includes(f.name)) && (f.id === undefined || v.id === f.id),
  );
  const out = [];
  for (const vault of matched.slice(f.offset, f.offset + f.limit)) {
    out.push({ vault, policy: await policyOfVault(deps, vault) });
  }
  return { items: out, count: matched.length };
}

/** CBR's policy_not_found, as HSS names the missing record. */
function asMissing(what: string, id: string): (err: unknown) => never {
  return (err) => {
    if (isAppError(err) && err.code === 'policy_not_found') throw missing(what, id);
    throw err;
  };
}

// -------------------------------------------------------------------- ransomware protection policies

/** The attributes of a protection policy, as HSS's bodies name them (absent ones take HSS's defaults). */
export interface ProtectionPolicyFields {
  policy_name: string;
  protection_mode: string;
  bait_protection_status?: string;
  deploy_mode?: string;
  protection_directory: string;
  protection_type: string;
  exclude_directory?: string;
  runtime_detection_status?: string;
  runtime_detection_directory?: string;
  operating_system: string;
  process_whitelist?: Array<{ path: string; hash: string }>;
  ai_protection_status?: string;
}

/** The row of a protection policy, with HSS's directory rules checked. */
function protectionPolicyRow(
  projectId: string,
  id: string,
  b: ProtectionPolicyFields,
  createdAt: string,
  updatedAt: string,
): ProtectionPolicyRow {
  const dirs = b.protection_directory.split(';').filter((d) => d.length > 0);
  if (
    dirs.length === 0 ||
    dirs.length > 20 ||
    dirs.some((d) => d.length > 128 || !/^[\w./+\-:\\ ]+$/.test(d))
  ) {
    throw invalidField(
      'protection_directory',
      'must be 1–20 ";"-separated directories of at most 128 characters',
    );
  }
  return {
    id,
    project_id: projectId,
    policy_name: b.policy_name,
    protection_mode: b.protection_mode,
    bait_protection_status: b.bait_protection_status ?? 'opened',
    deploy_mode: b.deploy_mode ?? 'closed',
    protection_directory: b.protection_directory,
    protection_type: b.protection_type,
    exclude_directory: b.exclude_directory ?? '',
    runtime_detection_status: b.runtime_detection_status ?? 'closed',
    runtime_detection_directory: b.runtime_detection_directory ?? '',
    operating_system: b.operating_system,
    process_whitelist_json: JSON.stringify(b.process_whitelist ?? []),
    ai_protection_status: b.ai_protection_status ?? 'closed',
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

/** The row of a new protection policy (its id given or new), checked but not stored yet. */
export async function newProtectionPolicy(
  deps: ProtocolDeps,
  projectId: string,
  b: ProtectionPolicyFields & { policy_id?: string },
): Promise<ProtectionPolicyRow> {
  const id = b.policy_id || randomUUID();
  if (await deps.hss.getProtectionPolicy(projectId, id))
    throw invalidField('policy_id', `policy ${id} already exists`);
  const now = deps.timestamp();
  return protectionPolicyRow(projectId, id, b, now, now);
}

/** Creates a protection policy (its id given or new). */
export async function createProtectionPolicy(
  deps: ProtocolDeps,
  projectId: string,
  b: ProtectionPolicyFields & { policy_id?: string },
): Promise<ProtectionPolicyRow> {
  const row = await newProtectionPolicy(deps, projectId, b);
  await deps.hss.insertProtectionPolicy(row);
  return row;
}

export async function updateProtectionPolicy(
  deps: ProtocolDeps,
  projectId: string,
  id: string,
  b: ProtectionPolicyFields,
): Promise<void> {
  const old = await deps.hss.getProtectionPolicy(projectId, id);
  if (!old) throw missing('protection policy', id);
  await deps.hss.updateProtectionPolicy(
    protectionPolicyRow(projectId, old.id, b, old.created_at, deps.timestamp()),
  );
}

/** Deletes a protection policy no host is protected with. */
export async function deleteProtectionPolicy(
  deps: ProtocolDeps,
  projectId: string,
  id: string,
): Promise<void> {
  if (!(await deps.hss.getProtectionPolicy(projectId, id))) throw missing('protection policy', id);
  if ((await deps.hss.countHostsWithPolicy(projectId, id)) > 0) {
    throw invalidField('policy_id', `policy ${id} protects servers; switch them to another policy first`);
  }
  await deps.hss.deleteProtectionPolicy(projectId, id);
}

/** One page of protection policies, each with how many hosts it protects. */
export async function listProtectionPolicies(
  deps: ProtocolDeps,
  projectId: string,
  f: { name?: string; id?: string; os?: string; limit: number; offset: number },
): Promise<{ items: Array<{ policy: ProtectionPolicyRow; hosts: number }>; count: number }> {
  const { items, count } = await deps.hss.listProtectionPolicies(projectId, f);
  const out = [];
  for (const policy of items) {
    out.push({ policy, hosts: await deps.hss.countHostsWithPolicy(projectId, policy.id) });
  }
  return { items: out, count };
}
