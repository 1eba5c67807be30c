// HSS: backup policies of protection vaults and ransomware protection policies.
import { randomUUID } from 'node:crypto';
import { nowTimestamp } from '../../domain/cbr-rules.js';
import type { HssRecords, ProtectionPolicyRow } from '../../services/hss-records.js';
import { protocolDeps } from '../cinder/deps.js';
import {
  type Q,
  checkOperationDefinition,
  checkPatterns,
  invalid,
  one,
  oneOf,
  paging,
  reply200,
} from './params.js';
import type { HssRoutes } from './route-context.js';
import {
  AssociatePolicyBody,
  BackupPolicy,
  BackupPolicyList,
  PolicyIdParams,
  ProjectParams,
  ProtectionPolicyCreate,
  ProtectionPolicyList,
  ProtectionPolicyUpdate,
  Query,
  UpdateBackupPolicyBody,
} from './schemas.js';
import { backupPolicy, protectionPolicy } from './views.js';

/** The row of a ransomware protection policy, with HSS's directory rules checked. */
export function policyRow(
  projectId: string,
  id: string,
  b: ProtectionPolicyCreate | ProtectionPolicyUpdate,
  createdAt: string,
) {
  const dirs = b.protection_directory.split(';').filter((d) => d.length > 0);
  if (
    dirs.length === 0 ||
    dirs.length > 20 ||
    dirs.some((d) => d.length > 128 || !/^[\w./+\-:\\ ]+$/.test(d))
  ) {
    throw invalid('protection_directory', 'must be 1–20 ";"-separated directories of at most 128 characters');
  }
  const row: ProtectionPolicyRow = {
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
    updated_at: nowTimestamp(),
  };
  return row;
}

/** Creates a ransomware protection policy (its id given or new). */
export async function createProtectionPolicy(
  hss: HssRecords,
  projectId: string,
  b: ProtectionPolicyCreate,
): Promise<ProtectionPolicyRow> {
  const id = b.policy_id || randomUUID();
  if (await hss.getProtectionPolicy(projectId, id)) throw invalid('policy_id', `policy ${id} already exists`);
  const row = policyRow(projectId, id, b, nowTimestamp());
  await hss.insertProtectionPolicy(row);
  return row;
}

export function registerPolicyRoutes(r: HssRoutes): void {
  const { typed, ctx, hss, preHandler, pid, notFound, serverVault } = r;

  // -------------------------------------------------------------------- backup policies

  typed.get(
    '/:project_id/ransomware/backup/policies',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListBackupPolicy',
        params: ProjectParams,
        querystring: Query,
        response: { 200: BackupPolicyList },
      },
    },
    async (request) => {
      const q = request.query as Q;
      const { offset, limit } = paging(q, true);
      const id = one(q, 'policy_id');
      const { items, count } = await hss.listBackupPolicies(pid(request), {
        ...(id ? { id } : {}),
        limit,
        offset,
      });
      return { total_num: count, data_list: items.map(backupPolicy) };
    },
  );

  /** The policy of the vault HSS protects hosts with (the vault of the most recently protected host). */
  async function protectionVaultPolicy(projectId: string) {
    const hosts = (await hss.hostsOf(projectId))
      .filter((h) => h.vault_id && h.backup_protection_status === 'opened')
      .sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
    const vaultId = hosts[0]?.vault_id;
    if (!vaultId) throw notFound('protection vault of project', projectId);
    const p = await hss.backupPolicyOfVault(projectId, vaultId);
    if (!p) throw notFound('backup policy of vault', vaultId);
    return p;
  }

  typed.get(
    '/:project_id/backup/policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ShowBackupPolicyInfo',
        params: ProjectParams,
        response: { 200: BackupPolicy },
      },
    },
    async (request) => backupPolicy(await protectionVaultPolicy(pid(request))),
  );

  typed.get(
    '/:project_id/backup/:policy_id',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ShowSingleBackupPolicyInfo',
        params: PolicyIdParams,
        response: { 200: BackupPolicy },
      },
    },
    async (request) => {
      const p = await hss.getBackupPolicy(pid(request), request.params.policy_id);
      if (!p) throw notFound('backup policy', request.params.policy_id);
      return backupPolicy(p);
    },
  );

  typed.put(
    '/:project_id/backup/policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'UpdateBackupPolicyInfo',
        params: ProjectParams,
        body: UpdateBackupPolicyBody,
      },
    },
    async (request, reply) => {
      const projectId = pid(request);
      const body = request.body;
      const p = await hss.getBackupPolicy(projectId, body.policy_id);
      if (!p) throw notFound('backup policy', body.policy_id);
      const next = { ...p, updated_at: nowTimestamp() };
      if (body.enabled !== undefined) next.enabled = body.enabled ? 1 : 0;
      if (body.operation_definition !== undefined) {
        next.operation_definition_json = JSON.stringify(
          checkOperationDefinition('operation_definition', body.operation_definition),
        );
      }
      if (body.trigger !== undefined) {
        checkPatterns('trigger.properties.pattern', body.trigger.properties.pattern);
        next.pattern_json = JSON.stringify(body.trigger.properties.pattern);
      }
      await hss.updateBackupPolicy(next);
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/backup/associate-policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'AssociateBackupPolicy',
        params: ProjectParams,
        body: AssociatePolicyBody,
      },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const { vault_id, policy_id } = request.body;
      await serverVault(deps, projectId, vault_id, 'vault_id');
      if (!(await hss.getBackupPolicy(projectId, policy_id))) throw notFound('backup policy', policy_id);
      await hss.associateBackupPolicy(projectId, policy_id, vault_id, nowTimestamp());
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- protection policies

  typed.get(
    '/:project_id/ransomware/protection/policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListProtectionPolicy',
        params: ProjectParams,
        querystring: Query,
        response: { 200: ProtectionPolicyList },
      },
    },
    async (request) => {
      const projectId = pid(request);
      const q = request.query as Q;
      const { offset, limit } = paging(q, false);
      const os = oneOf(q, 'operating_system', ['Windows', 'Linux']);
      const name = one(q, 'policy_name');
      const id = one(q, 'protect_policy_id');
      const { items, count } = await hss.listProtectionPolicies(projectId, {
        ...(name ? { name } : {}),
        ...(id ? { id } : {}),
        ...(os ? { os } : {}),
        limit,
        offset,
      });
      const data_list = [];
      for (const p of items)
        data_list.push(protectionPolicy(p, await hss.countHostsWithPolicy(projectId, p.id)));
      return { total_num: count, data_list };
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'AddProtectionPolicy',
        params: ProjectParams,
        body: ProtectionPolicyCreate,
      },
    },
    async (request, reply) => {
      await createProtectionPolicy(hss, pid(request), request.body);
      reply200(reply);
    },
  );

  typed.put(
    '/:project_id/ransomware/protection/policy',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'UpdateProtectionPolicy',
        params: ProjectParams,
        body: ProtectionPolicyUpdate,
      },
    },
    async (request, reply) => {
      const projectId = pid(request);
      const old = await hss.getProtectionPolicy(projectId, request.body.policy_id);
      if (!old) throw notFound('protection policy', request.body.policy_id);
      await hss.updateProtectionPolicy(policyRow(projectId, old.id, request.body, old.created_at));
      reply200(reply);
    },
  );

  typed.delete(
    '/:project_id/ransomware/protection/policy',
    {
      preHandler,
      schema: { tags: ['hss'], summary: 'DeleteProtectionPolicy', params: ProjectParams, querystring: Query },
    },
    async (request, reply) => {
      const projectId = pid(request);
      const id = one(request.query as Q, 'policy_id');
      if (!id) throw invalid('policy_id', 'is required');
      if (!(await hss.getProtectionPolicy(projectId, id))) throw notFound('protection policy', id);
      if ((await hss.countHostsWithPolicy(projectId, id)) > 0) {
        throw invalid('policy_id', `policy ${id} protects servers; switch them to another policy first`);
      }
      await hss.deleteProtectionPolicy(projectId, id);
      reply200(reply);
    },
  );
}
