// HSS protection of hosts: switching it on and off (binding hosts to a protection vault and its backup
// policy), the protected-servers listing, and restoring a host's backup. One use case per function; the HSS
// routes map their bodies to these requests and the errors to HSS's body.
import type { Backup, Vault } from '../domain/cbr-model.js';
import { AppError, invalidField, isAppError } from '../domain/errors.js';
import type { Server } from '../domain/inventory.js';
import type { Policy } from '../domain/policy.js';
import {
  type NewBackupCycle,
  type ProtectionPolicyFields,
  getBackupPolicy,
  missing,
  newBackupPolicy,
  newProtectionPolicy,
  policyOfVault,
  serverVault,
} from './hss-policies.js';
import type { ProtectedHost, ProtectionPolicyRow } from './hss-records.js';
import type { PolicyCreateInput } from './policies.js';
import type { ProtocolDeps } from './protocol-deps.js';

type OnOff = 'opened' | 'closed';

export interface OpenProtectionRequest {
  os: string;
  ransom: OnOff;
  /** The protection policy to protect with, or one to create first. */
  protectionPolicyId: string | null;
  createProtectionPolicy?: ProtectionPolicyFields & { policy_id?: string };
  backup: OnOff;
  /** The protection vault; absent: the project's default server vault (unless `vaultRequired`). */
  vaultId: string | undefined;
  vaultRequired?: boolean;
  backupPolicyId: string | undefined;
  /** An existing policy by id, or a new one from a schedule. */
  cycle?: { policyId?: string } & Partial<NewBackupCycle>;
  hosts: Array<{ hostId: string; agentId: string }>;
}

/**
 * Opens (or changes) protection of hosts. The whole request is checked before anything is stored (the
 * policies it creates included), so a refused request leaves nothing behind.
 */
export async function openProtection(
  deps: ProtocolDeps,
  projectId: string,
  r: OpenProtectionRequest,
): Promise<void> {
  if (r.backup === 'opened' && r.vaultRequired && !r.vaultId)
    throw invalidField('vault_id', 'is required to open backup protection');
  if (r.hosts.length === 0) throw invalidField('host_id_list', 'must name at least one host');
  for (const [i, h] of r.hosts.entries()) {
    await deps.inventory.getServer(projectId, h.hostId).catch((err) => {
      if (isAppError(err))
        throw new AppError('server_not_found', `The host ${h.hostId} does not exist.`, {
          field: `host_id_list[${i}]`,
        });
      throw err;
    });
  }
  const newPolicy =
    !r.protectionPolicyId && r.createProtectionPolicy
      ? await newProtectionPolicy(deps, projectId, r.createProtectionPolicy)
      : null;
  const protectionPolicyId = r.protectionPolicyId || newPolicy?.id || null;
  if (r.ransom === 'opened' && !protectionPolicyId) {
    throw invalidField(
      'protection_policy_id',
      'is required (or create_protection_policy) to open ransomware protection',
    );
  }
  if (r.protectionPolicyId && !(await deps.hss.getProtectionPolicy(projectId, r.protectionPolicyId))) {
    throw missing('protection policy', r.protectionPolicyId);
  }
  let vault: Vault | null = null;
  let backupPolicyId: string | null = null;
  let newBackup: PolicyCreateInput | null = null;
  if (r.backup === 'opened') {
    if (r.backupPolicyId) {
      backupPolicyId = (await getBackupPolicy(deps, projectId, r.backupPolicyId)).id;
    } else if (r.cycle?.policyId) {
      backupPolicyId = (await getBackupPolicy(deps, projectId, r.cycle.policyId)).id;
    } else if (r.cycle?.patterns) {
      newBackup = newBackupPolicy({ ...r.cycle, patterns: r.cycle.patterns });
    }
    // The project's default server vault is made on first use, so it comes last of the checks.
    vault = r.vaultId
      ? await serverVault(deps, projectId, r.vaultId, 'vault_id')
      : await deps.vaults.defaultVault(projectId, 'server');
    if (backupPolicyId || newBackup) {
      if (vault.status !== 'available')
        throw invalidField('vault_id', `the vault is ${vault.status}: no backup policy can be bound to it`);
    }
  }
  if (newPolicy) await deps.hss.insertProtectionPolicy(newPolicy);
  if (newBackup) backupPolicyId = (await deps.policies.create(projectId, newBackup)).policy.id;
  // The protection vault runs the policy as any CBR vault does: its backup_policy_id, CBR's scheduler.
  if (vault && backupPolicyId) await deps.policies.associate(projectId, vault.id, [backupPolicyId]);
  for (const h of r.hosts) {
    const now = deps.timestamp();
    const old = await deps.hss.getHost(projectId, h.hostId);
    const row: ProtectedHost = {
      project_id: projectId,
      host_id: h.hostId,
      agent_id: h.agentId || old?.agent_id || '',
      operating_system: r.os,
      ransom_protection_status: r.ransom,
      protection_policy_id: r.ransom === 'opened' ? protectionPolicyId : (old?.protection_policy_id ?? null),
      backup_protection_status: r.backup,
      vault_id: old?.vault_id ?? null,
      backup_error_code: 0,
      backup_error_description: null,
      created_at: old?.created_at ?? now,
      updated_at: now,
    };
    if (vault) {
      const bound = await deps.cbr.vaults.vaultOfResource(projectId, h.hostId);
      if (bound && bound !== vault.id) {
        row.backup_protection_status = 'failed_to_turn_on_backup';
        row.backup_error_code = 1;
        row.backup_error_description = `The host is already bound to vault ${bound}.`;
      } else {
        if (!bound) await deps.vaults.addResources(projectId, vault.id, [{ id: h.hostId, kind: 'server' }]);
        row.vault_id = vault.id;
      }
    } else if (old?.vault_id) {
      // Backup protection switched off: the host leaves the vault HSS bound it to (its backups stay).
      await leaveVault(deps, projectId, h.hostId, old.vault_id);
      row.vault_id = null;
    }
    await deps.hss.putHost(row);
  }
}

/** Unbinds the host from the vault HSS bound it to, if it is still there (CBR keeps its backups). */
async function leaveVault(
  deps: ProtocolDeps,
  projectId: string,
  hostId: string,
  vaultId: string,
): Promise<void> {
  if ((await deps.cbr.vaults.vaultOfResource(projectId, hostId)) === vaultId) {
    await deps.vaults.removeResources(projectId, vaultId, [hostId]);
  }
}

/** The protection rows of the hosts, all of them checked before any is changed. */
async function protectedHosts(
  deps: ProtocolDeps,
  projectId: string,
  hostIds: string[],
): Promise<ProtectedHost[]> {
  if (hostIds.length === 0) throw invalidField('host_id_list', 'must name at least one host');
  const rows: ProtectedHost[] = [];
  for (const [i, hostId] of hostIds.entries()) {
    const row = await deps.hss.getHost(projectId, hostId);
    if (!row)
      throw new AppError('resource_not_found', `The host ${hostId} is not protected.`, {
        field: `host_id_list[${i}]`,
      });
    rows.push(row);
  }
  return rows;
}

/**
 * StopProtection (`close_anti`, the only type HSS documents): closes ransomware protection only. Backup
 * protection, the host's vault binding and the vault's schedule stay as they were: HSS sends unbinding to CBR
 * (or to StartProtection with backup closed).
 */
export async function closeRansomwareProtection(
  deps: ProtocolDeps,
  projectId: string,
  hostIds: string[],
): Promise<void> {
  for (const row of await protectedHosts(deps, projectId, hostIds)) {
    await deps.hss.putHost({ ...row, ransom_protection_status: 'closed', updated_at: deps.timestamp() });
  }
}

/**
 * AssociateProtectionPolicy (`policy/deploy`): switches hosts with ransomware protection opened to another
 * protection policy; their backup protection is not touched.
 */
export async function deployProtectionPolicy(
  deps: ProtocolDeps,
  projectId: string,
  policyId: string,
  hostIds: string[],
): Promise<void> {
  if (!(await deps.hss.getProtectionPolicy(projectId, policyId)))
    throw missing('protection policy', policyId);
  const rows = await protectedHosts(deps, projectId, hostIds);
  for (const [i, row] of rows.entries()) {
    if (row.ransom_protection_status !== 'opened') {
      throw invalidField(
        `host_id_list[${i}]`,
        `host ${row.host_id} has ransomware protection ${row.ransom_protection_status}; open it first`,
      );
    }
  }
  for (const row of rows) {
    await deps.hss.putHost({ ...row, protection_policy_id: policyId, updated_at: deps.timestamp() });
  }
}

export interface ProtectedServerFilter {
  hostId?: string;
  hostName?: string;
  ransomStatus?: string;
  policyId?: string;
  osType?: string;
  hostStatus?: string;
  offset: number;
  limit: number;
}

/** A server as HSS sees it: its protection row (if any), vault, policies and available backup count. */
export interface ProtectedServer {
  server: Server;
  host: ProtectedHost | null;
  vault: Vault | null;
  backupPolicy: Policy | null;
  protectionPolicy: ProtectionPolicyRow | null;
  availableBackups: number;
}

/** The inventory's servers with their HSS protection, filtered and paged. */
export async function listProtectedServers(
  deps: ProtocolDeps,
  projectId: string,
  f: ProtectedServerFilter,
): Promise<{ items: ProtectedServer[]; count: number }> {
  const servers = await deps.inventory.listServers(projectId);
  const rows = new Map((await deps.hss.hostsOf(projectId)).map((r) => [r.host_id, r]));
  const matched = servers.filter((s) => {
    const r = rows.get(s.id);
    return (
      (f.hostName === undefined || s.name.includes(f.hostName)) &&
      (f.osType === undefined || (r?.operating_system ?? 'Linux') === f.osType) &&
      // Inventory servers are disk sets, not running machines: HSS shows them as ACTIVE.
      (f.hostStatus === undefined || f.hostStatus === 'ACTIVE') &&
      (f.hostId === undefined || s.id === f.hostId) &&
      (f.ransomStatus === undefined || (r?.ransom_protection_status ?? 'closed') === f.ransomStatus) &&
      (f.policyId === undefined || r?.protection_policy_id === f.policyId)
    );
  });
  const items: ProtectedServer[] = [];
  for (const server of matched.slice(f.offset, f.offset + f.limit)) {
    const host = rows.get(server.id) ?? null;
    const vaultId = await deps.cbr.vaults.vaultOfResource(projectId, server.id);
    const vault = vaultId ? await deps.cbr.vaults.getVault(projectId, vaultId) : null;
    const backupPolicy = vault ? await policyOfVault(deps, vault) : null;
    const protectionPolicy = host?.protection_policy_id
      ? await deps.hss.getProtectionPolicy(projectId, host.protection_policy_id)
      : null;
    const backups = await deps.backups.list(
      { projectId, resourceId: server.id, parentId: null, statuses: ['available'] },
      { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
    );
    items.push({ server, host, vault, backupPolicy, protectionPolicy, availableBackups: backups.count });
  }
  return { items, count: matched.length };
}

/** A backup of the project by id, as HSS names a missing one. */
export async function getHostBackup(
  deps: ProtocolDeps,
  projectId: string,
  id: string,
): Promise<{ backup: Backup; children: Backup[] }> {
  return deps.backups.get(projectId, id).catch((err) => {
    if (isAppError(err) && err.code === 'backup_not_found') throw missing('backup', id);
    throw err;
  });
}

/**
 * Restores a backup: a server backup onto `serverId` (its disks by `mappings`, or in order), a disk backup
 * onto the first mapping's volume (or its own volume), which must be a disk of host `serverId`.
 */
export async function restoreHostBackup(
  deps: ProtocolDeps,
  projectId: string,
  id: string,
  target: { serverId: string; mappings?: Array<{ backupId: string; volumeId: string }> },
): Promise<void> {
  const { backup } = await getHostBackup(deps, projectId, id);
  if (backup.resourceKind === 'server') {
    await deps.backups.restore(projectId, id, {
      serverId: target.serverId,
      ...(target.mappings ? { mappings: target.mappings } : {}),
    });
  } else {
    const volumeId = target.mappings?.[0]?.volumeId || undefined;
    await deps.backups.restore(projectId, id, { hostId: target.serverId, ...(volumeId ? { volumeId } : {}) });
  }
}

/** Deletes a backup, as HSS names a missing one. */
export async function deleteHostBackup(deps: ProtocolDeps, projectId: string, id: string): Promise<void> {
  await deps.backups.delete(projectId, id).catch((err) => {
    if (isAppError(err) && err.code === 'backup_not_found') throw missing('backup', id);
    throw err;
  });
}
