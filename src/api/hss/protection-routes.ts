// HSS: switching protection of hosts on and off (binding them to a protection vault), protected servers.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Vault } from '../../domain/cbr-model.js';
import { nowTimestamp } from '../../domain/cbr-rules.js';
import { AppError, isAppError } from '../../domain/errors.js';
import type { ProtectedHost } from '../../services/hss-records.js';
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
import { createProtectionPolicy } from './policies-routes.js';
import type { HssRoutes } from './route-context.js';
import {
  BatchStartProtectionBody,
  ProjectParams,
  ProtectionServerList,
  Query,
  StartProtectionBody,
  type StartProtectionBody as StartProtectionBodyT,
  StopProtectionBody,
} from './schemas.js';
import { vaultInfo } from './views.js';

export function registerProtectionRoutes(r: HssRoutes): void {
  const { typed, ctx, hss, preHandler, pid, notFound, serverVault } = r;

  // -------------------------------------------------------------------- protection on / off

  interface OpenRequest {
    os: string;
    ransom: 'opened' | 'closed';
    protectionPolicyId: string | null;
    backup: 'opened' | 'closed';
    vaultId: string | undefined;
    backupPolicyId: string | undefined;
    cycle: StartProtectionBodyT['backup_cycle'];
    hosts: Array<{ hostId: string; agentId: string }>;
  }

  async function openProtection(projectId: string, r: OpenRequest): Promise<void> {
    const deps = protocolDeps(ctx);
    if (r.hosts.length === 0) throw invalid('host_id_list', 'must name at least one host');
    // Validate everything before changing anything.
    for (const [i, h] of r.hosts.entries()) {
      await ctx.inventory.getServer(projectId, h.hostId).catch((err) => {
        if (isAppError(err))
          throw new AppError('server_not_found', `The host ${h.hostId} does not exist.`, {
            field: `host_id_list[${i}]`,
          });
        throw err;
      });
    }
    if (r.ransom === 'opened' && !r.protectionPolicyId) {
      throw invalid(
        'protection_policy_id',
        'is required (or create_protection_policy) to open ransomware protection',
      );
    }
    if (r.protectionPolicyId && !(await hss.getProtectionPolicy(projectId, r.protectionPolicyId))) {
      throw notFound('protection policy', r.protectionPolicyId);
    }
    let vault: Vault | null = null;
    let backupPolicyId: string | null = null;
    if (r.backup === 'opened') {
      vault = r.vaultId
        ? await serverVault(deps, projectId, r.vaultId, 'vault_id')
        : await deps.vaults.defaultVault(projectId, 'server');
      if (r.backupPolicyId) {
        if (!(await hss.getBackupPolicy(projectId, r.backupPolicyId)))
          throw notFound('backup policy', r.backupPolicyId);
        backupPolicyId = r.backupPolicyId;
      } else if (r.cycle?.policy_id) {
        if (!(await hss.getBackupPolicy(projectId, r.cycle.policy_id)))
          throw notFound('backup policy', r.cycle.policy_id);
        backupPolicyId = r.cycle.policy_id;
      } else if (r.cycle?.trigger) {
        checkPatterns('backup_cycle.trigger.properties.pattern', r.cycle.trigger.properties.pattern);
        const def = checkOperationDefinition(
          'backup_cycle.operation_definition',
          r.cycle.operation_definition,
        );
        const now = nowTimestamp();
        backupPolicyId = randomUUID();
        await hss.insertBackupPolicy({
          id: backupPolicyId,
          project_id: projectId,
          name: `hss-backup-policy-${backupPolicyId.slice(0, 8)}`,
          enabled: r.cycle.enabled === false ? 0 : 1,
          vault_id: null,
          operation_definition_json: JSON.stringify(def),
          pattern_json: JSON.stringify(r.cycle.trigger.properties.pattern),
          trigger_id: randomUUID(),
          start_time: now.slice(0, 19).replace('T', ' '),
          last_run_at: null,
          created_at: now,
          updated_at: now,
        });
      }
      if (backupPolicyId)
        await hss.associateBackupPolicy(projectId, backupPolicyId, vault.id, nowTimestamp());
    }
    for (const h of r.hosts) {
      const now = nowTimestamp();
      const old = await hss.getHost(projectId, h.hostId);
      const row: ProtectedHost = {
        project_id: projectId,
        host_id: h.hostId,
        agent_id: h.agentId || old?.agent_id || '',
        operating_system: r.os,
        ransom_protection_status: r.ransom,
        protection_policy_id:
          r.ransom === 'opened' ? r.protectionPolicyId : (old?.protection_policy_id ?? null),
        backup_protection_status: r.backup,
        vault_id: old?.vault_id ?? null,
        backup_error_code: 0,
        backup_error_description: null,
        created_at: old?.created_at ?? now,
        updated_at: now,
      };
      if (vault) {
        const bound = await deps.cbr.vaultOfResource(projectId, h.hostId);
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
        if ((await deps.cbr.vaultOfResource(projectId, h.hostId)) === old.vault_id) {
          await deps.vaults.removeResources(projectId, old.vault_id, [h.hostId]);
        }
        row.vault_id = null;
      }
      await hss.putHost(row);
    }
  }

  typed.post(
    '/:project_id/ransomware/protection/open',
    {
      preHandler,
      schema: { tags: ['hss'], summary: 'StartProtection', params: ProjectParams, body: StartProtectionBody },
    },
    async (request, reply) => {
      const projectId = pid(request);
      const b = request.body;
      let policyId = b.protection_policy_id ?? null;
      if (!policyId && b.create_protection_policy) {
        policyId = (await createProtectionPolicy(hss, projectId, b.create_protection_policy)).id;
      }
      const ids = [...b.host_id_list, ...(b.backup_resources?.resource_list ?? []).map((x) => x.host_id)];
      const hosts = [...new Set(ids)].map((hostId) => ({
        hostId,
        agentId: b.agent_id_list[b.host_id_list.indexOf(hostId)] ?? '',
      }));
      await openProtection(projectId, {
        os: b.operating_system,
        ransom: b.ransom_protection_status,
        protectionPolicyId: policyId,
        backup: b.backup_protection_status,
        vaultId: b.backup_resources?.vault_id,
        backupPolicyId: b.backup_policy_id,
        cycle: b.backup_cycle,
        hosts,
      });
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/batch-open',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'BatchStartProtection',
        params: ProjectParams,
        body: BatchStartProtectionBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.backup_protection_status === 'opened' && !b.vault_id)
        throw invalid('vault_id', 'is required to open backup protection');
      await openProtection(pid(request), {
        os: b.operating_system,
        ransom: b.ransom_protection_status,
        protectionPolicyId: b.protection_policy_id ?? null,
        backup: b.backup_protection_status,
        vaultId: b.vault_id,
        backupPolicyId: undefined,
        cycle: undefined,
        hosts: b.host_id_list.map((hostId) => ({ hostId, agentId: '' })),
      });
      reply200(reply);
    },
  );

  typed.post(
    '/:project_id/ransomware/protection/close',
    {
      preHandler,
      schema: { tags: ['hss'], summary: 'StopProtection', params: ProjectParams, body: StopProtectionBody },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const b = request.body;
      if (b.host_id_list.length === 0) throw invalid('host_id_list', 'must name at least one host');
      const rows: ProtectedHost[] = [];
      for (const [i, hostId] of b.host_id_list.entries()) {
        const row = await hss.getHost(projectId, hostId);
        if (!row)
          throw new AppError('resource_not_found', `The host ${hostId} is not protected.`, {
            field: `host_id_list[${i}]`,
          });
        rows.push(row);
      }
      for (const row of rows) {
        // Unbinding keeps the host's backups (CBR's removeresources does not delete backups).
        if (row.vault_id && (await deps.cbr.vaultOfResource(projectId, row.host_id)) === row.vault_id) {
          await deps.vaults.removeResources(projectId, row.vault_id, [row.host_id]);
        }
        await hss.putHost({
          ...row,
          ransom_protection_status: 'closed',
          backup_protection_status: 'closed',
          vault_id: null,
          backup_error_code: 0,
          backup_error_description: null,
          updated_at: nowTimestamp(),
        });
      }
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- protected servers

  /** ListProtectionServer (`nodes`: ListRansomwareProtectionNodes, paging mandatory, more filters). */
  async function listProtectedServers(request: FastifyRequest, nodes: boolean) {
    const deps = protocolDeps(ctx);
    const projectId = pid(request);
    const q = request.query as Q;
    const { offset, limit } = paging(q, nodes);
    const hostId = one(q, 'host_id');
    const ransomStatus = one(q, 'ransom_protection_status');
    const policyId = one(q, 'policy_id');
    const hostName = one(q, 'host_name');
    const osType = oneOf(q, 'os_type', ['Linux', 'Windows']);
    const hostStatus = oneOf(q, 'host_status', ['ACTIVE', 'SHUTOFF']);
    const servers = await ctx.inventory.listServers(projectId);
    const rows = new Map((await hss.hostsOf(projectId)).map((r) => [r.host_id, r]));
    const matched = servers.filter((s) => {
      const r = rows.get(s.id);
      return (
        (hostName === undefined || s.name.includes(hostName)) &&
        (osType === undefined || (r?.operating_system ?? 'Linux') === osType) &&
        // Inventory servers are disk sets, not running machines: HSS shows them as ACTIVE.
        (hostStatus === undefined || hostStatus === 'ACTIVE') &&
        (hostId === undefined || s.id === hostId) &&
        (ransomStatus === undefined || (r?.ransom_protection_status ?? 'closed') === ransomStatus) &&
        (policyId === undefined || r?.protection_policy_id === policyId)
      );
    });
    const data_list = [];
    for (const s of matched.slice(offset, offset + limit)) {
      const r = rows.get(s.id) ?? null;
      const vaultId = await deps.cbr.vaultOfResource(projectId, s.id);
      const vault = vaultId ? await deps.cbr.getVault(projectId, vaultId) : null;
      const policy = vault ? await hss.backupPolicyOfVault(projectId, vault.id) : null;
      const pp = r?.protection_policy_id
        ? await hss.getProtectionPolicy(projectId, r.protection_policy_id)
        : null;
      const backups = await deps.backups.list(
        { projectId, resourceId: s.id, parentId: null, statuses: ['available'] },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
      );
      const vi = vault ? vaultInfo(vault, policy) : null;
      data_list.push({
        project_id: projectId,
        enterprise_project_id: '0',
        host_id: s.id,
        agent_id: r?.agent_id ?? '',
        host_name: s.name,
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
        protect_policy_id: pp?.id ?? '',
        protect_policy_name: pp?.policy_name ?? '',
        backup_error: {
          error_code: r?.backup_error_code ?? 0,
          error_description: r?.backup_error_description ?? '',
        },
        backup_protection_status: r?.backup_protection_status ?? 'closed',
        count_protect_event: 0,
        count_backuped: backups.count,
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
      });
    }
    return { total_num: matched.length, data_list };
  }

  for (const [url, nodes] of [
    ['/:project_id/ransomware/server', false],
    ['/:project_id/ransomware/servers', true],
  ] as const) {
    typed.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['hss'],
          summary: nodes ? 'ListRansomwareProtectionNodes' : 'ListProtectionServer',
          params: ProjectParams,
          querystring: Query,
          response: { 200: ProtectionServerList },
        },
      },
      async (request) => listProtectedServers(request, nodes),
    );
  }
}
