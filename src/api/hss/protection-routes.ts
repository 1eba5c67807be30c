// HSS: switching protection of hosts on and off (binding them to a protection vault), protected servers.
import type { FastifyRequest } from 'fastify';
import {
  type ProtectedServer,
  closeRansomwareProtection,
  deployProtectionPolicy,
  listProtectedServers,
  openProtection,
} from '../../services/hss-protection.js';
import { type Q, one, oneOf, paging, reply200 } from './params.js';
import type { HssRoutes } from './route-context.js';
import {
  AssociateProtectionPolicyBody,
  BatchStartProtectionBody,
  ProjectParams,
  type ProtectionServer,
  ProtectionServerList,
  Query,
  StartProtectionBody,
  StopProtectionBody,
} from './schemas.js';
import { vaultInfo } from './views.js';

export function registerProtectionRoutes(r: HssRoutes): void {
  const { typed, deps, route, pid } = r;

  // -------------------------------------------------------------------- protection on / off

  typed.post(
    '/:project_id/ransomware/protection/open',
    route('StartProtection', { params: ProjectParams, body: StartProtectionBody }),
    async (request, reply) => {
      const b = request.body;
      const ids = [...b.host_id_list, ...(b.backup_resources?.resource_list ?? []).map((x) => x.host_id)];
      const hosts = [...new Set(ids)].map((hostId) => ({
        hostId,
        agentId: b.agent_id_list[b.host_id_list.indexOf(hostId)] ?? '',
      }));
      const cycle = b.backup_cycle;
      await openProtection(deps(), pid(request), {
        os: b.operating_system,
        ransom: b.ransom_protection_status,
        protectionPolicyId: b.protection_policy_id ?? null,
        ...(b.create_protection_policy ? { createProtectionPolicy: b.create_protection_policy } : {}),
        backup: b.backup_protection_status,
        vaultId: b.backup_resources?.vault_id,
        backupPolicyId: b.backup_policy_id,
        ...(cycle
          ? {
              cycle: {
                ...(cycle.policy_id ? { policyId: cycle.policy_id } : {}),
                ...(cycle.enabled !== undefined ? { enabled: cycle.enabled } : {}),
                ...(cycle.operation_definition ? { operationDefinition: cycle.operation_definition } : {}),
                ...(cycle.trigger ? { patterns: cycle.trigger.properties.pattern } : {}),
              },
            }
          : {}),
        hosts,
      });
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/batch-open',
    route('BatchStartProtection', { params: ProjectParams, body: BatchStartProtectionBody }),
    async (request, reply) => {
      const b = request.body;
      await openProtection(deps(), pid(request), {
        os: b.operating_system,
        ransom: b.ransom_protection_status,
        protectionPolicyId: b.protection_policy_id ?? null,
        backup: b.backup_protection_status,
        vaultId: b.vault_id,
        vaultRequired: true,
        backupPolicyId: undefined,
        hosts: b.host_id_list.map((hostId) => ({ hostId, agentId: '' })),
      });
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/close',
    route('StopProtection', { params: ProjectParams, body: StopProtectionBody }),
    async (request, reply) => {
      await closeRansomwareProtection(deps(), pid(request), request.body.host_id_list);
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/policy/deploy',
    route('AssociateProtectionPolicy', { params: ProjectParams, body: AssociateProtectionPolicyBody }),
    async (request, reply) => {
      const b = request.body;
      await deployProtectionPolicy(deps(), pid(request), b.target_protection_policy_id, b.host_id_list ?? []);
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- protected servers

  /** ListProtectionServer (`nodes`: ListRansomwareProtectionNodes, paging mandatory). */
  async function protectedServers(request: FastifyRequest, nodes: boolean) {
    const q = request.query as Q;
    const { offset, limit } = paging(q, nodes);
    const hostId = one(q, 'host_id');
    const ransomStatus = one(q, 'ransom_protection_status');
    const policyId = one(q, 'policy_id');
    const hostName = one(q, 'host_name');
    const osType = oneOf(q, 'os_type', ['Linux', 'Windows']);
    const hostStatus = oneOf(q, 'host_status', ['ACTIVE', 'SHUTOFF']);
    const projectId = pid(request);
    const { items, count } = await listProtectedServers(deps(), projectId, {
      ...(hostId !== undefined ? { hostId } : {}),
      ...(hostName !== undefined ? { hostName } : {}),
      ...(ransomStatus !== undefined ? { ransomStatus } : {}),
      ...(policyId !== undefined ? { policyId } : {}),
      ...(osType !== undefined ? { osType } : {}),
      ...(hostStatus !== undefined ? { hostStatus } : {}),
      offset,
      limit,
    });
    return { total_num: count, data_list: items.map((x) => protectionServer(projectId, x)) };
  }

  for (const [url, nodes] of [
    ['/:project_id/ransomware/server', false],
    ['/:project_id/ransomware/servers', true],
  ] as const) {
    typed.get(
      url,
      route(nodes ? 'ListRansomwareProtectionNodes' : 'ListProtectionServer', {
        params: ProjectParams,
        querystring: Query,
        response: { 200: ProtectionServerList },
      }),
      async (request) => protectedServers(request, nodes),
    );
  }
}

/** A protected server in HSS's shape (the vault and its backup policy as ListBackupVaults shows them). */
function protectionServer(projectId: string, x: ProtectedServer): ProtectionServer {
  const r = x.host;
  const vi = x.vault ? vaultInfo(x.vault, x.backupPolicy) : null;
  return {
    project_id: projectId,
    enterprise_project_id: '0',
    host_id: x.server.id,
    agent_id: r?.agent_id ?? '',
    host_name: x.server.name,
    host_ip: '',
    private_ip: '',
    os_type: r?.operating_system ?? 'Linux',
    os_name: r?.operating_system ?? 'Linux',
    host_status: 'ACTIVE',
    ransom_protection_status: r?.ransom_protection_status ?? 'closed',
    agent_version: '',
    protect_status: r?.ransom_protection_status === 'opened' ? 'opened' : 'closed',
    group_id: '',
    group_name: '',
    protect_policy_id: x.protectionPolicy?.id ?? '',
    protect_policy_name: x.protectionPolicy?.policy_name ?? '',
    backup_error: {
      error_code: r?.backup_error_code ?? 0,
      error_description: r?.backup_error_description ?? '',
    },
    backup_protection_status: r?.backup_protection_status ?? 'closed',
    count_protect_event: 0,
    count_backuped: x.availableBackups,
    // opencbr runs no HSS agent on hosts: protection is the backup side only.
    agent_status: 'not_installed',
    version: 'hss.version.null',
    host_source: 'ecs',
    vault_id: vi?.vault_id ?? '',
    vault_name: vi?.vault_name ?? '',
    vault_size: vi?.vault_size ?? 0,
    vault_used: vi?.vault_used ?? 0,
    vault_allocated: vi?.vault_allocated ?? 0,
    vault_charging_mode: vi?.vault_charging_mode ?? '',
    vault_status: vi?.vault_status ?? '',
    backup_policy_id: vi?.backup_policy_id ?? '',
    backup_policy_name: vi?.backup_policy_name ?? '',
    backup_policy_enabled: vi?.backup_policy_enabled ?? false,
    resources_num: vi?.resources_num ?? 0,
  };
}
