// HSS: backup policies of protection vaults (CBR's policies) and ransomware protection policies.
import { invalidField } from '../../domain/errors.js';
import {
  associateBackupPolicy,
  createProtectionPolicy,
  deleteProtectionPolicy,
  getBackupPolicy,
  listBackupPolicies,
  listProtectionPolicies,
  protectionVaultPolicy,
  updateBackupPolicy,
  updateProtectionPolicy,
} from '../../services/hss-policies.js';
import { type Q, one, oneOf, paging, reply200 } from './params.js';
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

export function registerPolicyRoutes(r: HssRoutes): void {
  const { typed, deps, route, pid } = r;

  // -------------------------------------------------------------------- backup policies

  typed.get(
    '/:project_id/ransomware/backup/policies',
    route('ListBackupPolicy', {
      params: ProjectParams,
      querystring: Query,
      response: { 200: BackupPolicyList },
    }),
    async (request) => {
      const q = request.query as Q;
      const { offset, limit } = paging(q, true);
      const id = one(q, 'policy_id');
      const { items, count } = await listBackupPolicies(deps(), pid(request), {
        ...(id ? { id } : {}),
        limit,
        offset,
      });
      return { total_num: count, data_list: items.map(backupPolicy) };
    },
  );

  typed.get(
    '/:project_id/backup/policy',
    route('ShowBackupPolicyInfo', { params: ProjectParams, response: { 200: BackupPolicy } }),
    async (request) => backupPolicy(await protectionVaultPolicy(deps(), pid(request))),
  );

  typed.get(
    '/:project_id/backup/:policy_id',
    route('ShowSingleBackupPolicyInfo', { params: PolicyIdParams, response: { 200: BackupPolicy } }),
    async (request) => backupPolicy(await getBackupPolicy(deps(), pid(request), request.params.policy_id)),
  );

  typed.put(
    '/:project_id/backup/policy',
    route('UpdateBackupPolicyInfo', { params: ProjectParams, body: UpdateBackupPolicyBody }),
    async (request, reply) => {
      const body = request.body;
      await updateBackupPolicy(deps(), pid(request), body.policy_id, {
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(body.operation_definition !== undefined
          ? { operationDefinition: body.operation_definition }
          : {}),
        ...(body.trigger !== undefined ? { patterns: body.trigger.properties.pattern } : {}),
      });
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/backup/associate-policy',
    route('AssociateBackupPolicy', { params: ProjectParams, body: AssociatePolicyBody }),
    async (request, reply) => {
      await associateBackupPolicy(deps(), pid(request), request.body.vault_id, request.body.policy_id);
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- protection policies

  typed.get(
    '/:project_id/ransomware/protection/policy',
    route('ListProtectionPolicy', {
      params: ProjectParams,
      querystring: Query,
      response: { 200: ProtectionPolicyList },
    }),
    async (request) => {
      const q = request.query as Q;
      const { offset, limit } = paging(q, false);
      const os = oneOf(q, 'operating_system', ['Windows', 'Linux']);
      const name = one(q, 'policy_name');
      const id = one(q, 'protect_policy_id');
      const { items, count } = await listProtectionPolicies(deps(), pid(request), {
        ...(name ? { name } : {}),
        ...(id ? { id } : {}),
        ...(os ? { os } : {}),
        limit,
        offset,
      });
      return { total_num: count, data_list: items.map((x) => protectionPolicy(x.policy, x.hosts)) };
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/policy',
    route('AddProtectionPolicy', { params: ProjectParams, body: ProtectionPolicyCreate }),
    async (request, reply) => {
      await createProtectionPolicy(deps(), pid(request), request.body);
      reply200(reply);
    },
  );

  typed.put(
    '/:project_id/ransomware/protection/policy',
    route('UpdateProtectionPolicy', { params: ProjectParams, body: ProtectionPolicyUpdate }),
    async (request, reply) => {
      await updateProtectionPolicy(deps(), pid(request), request.body.policy_id, request.body);
      reply200(reply);
    },
  );

  typed.delete(
    '/:project_id/ransomware/protection/policy',
    route('DeleteProtectionPolicy', { params: ProjectParams, querystring: Query }),
    async (request, reply) => {
      const id = one(request.query as Q, 'policy_id');
      if (!id) throw invalidField('policy_id', 'is required');
      await deleteProtectionPolicy(deps(), pid(request), id);
      reply200(reply);
    },
  );
}
