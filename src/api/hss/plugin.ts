// HSS v5 ransomware-prevention backup APIs over the shared catalog: HSS "backups" are CBR backups of the
// hosts (inventory servers) HSS protects; vaults, backups, restores and operation logs are CBR's, through
// CBR's services. What HSS adds (protection state, protection policies, backup policies) is in hss_* tables.
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HssStore, type ProtectedHost, type ProtectionPolicyRow } from '../../catalog/hss-store.js';
import type { AppContext } from '../../context.js';
import { BACKUP_STATUSES, type BackupStatus, type Vault } from '../../domain/cbr-model.js';
import { nowTimestamp } from '../../domain/cbr-rules.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { requireProjectAuth } from '../auth.js';
import { type ProtocolDeps, protocolDeps } from '../cinder/deps.js';
import { renderHssError } from './errors.js';
import { startPolicyRunner } from './policy-runner.js';
import { parseRule } from './schedule.js';
import {
  AssociatePolicyBody,
  BackCopyList,
  BackupDetail,
  BackupIdParams,
  BackupPolicy,
  BackupPolicyList,
  BackupVaultList,
  BatchStartProtectionBody,
  type OperationDefinition,
  PolicyIdParams,
  ProjectParams,
  ProtectionPolicyCreate,
  ProtectionPolicyList,
  ProtectionPolicyUpdate,
  ProtectionServerList,
  Query,
  RestoreBody,
  RestoreLogList,
  StartProtectionBody,
  type StartProtectionBody as StartProtectionBodyT,
  StopProtectionBody,
  UpdateBackupPolicyBody,
} from './schemas.js';
import { backCopy, backupDetail, backupPolicy, protectionPolicy, restoreLog, vaultInfo } from './views.js';

type Q = Record<string, string | string[] | undefined>;

function invalid(field: string, problem: string): AppError {
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

function one(q: Q, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function intParam(q: Q, name: string, min: number, max: number, dflt: number | null): number {
  const raw = one(q, name);
  if (raw === undefined || raw === '') {
    if (dflt === null) throw invalid(name, 'is required');
    return dflt;
  }
  if (!/^\d+$/.test(raw)) throw invalid(name, `must be an integer from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw invalid(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** HSS paging: offset 0–2000000 (default 0), limit 10–200 (default 10); `required` makes both mandatory. */
function paging(q: Q, required: boolean): { offset: number; limit: number } {
  return {
    offset: intParam(q, 'offset', 0, 2_000_000, required ? null : 0),
    limit: intParam(q, 'limit', 10, 200, required ? null : 10),
  };
}

/** Canonical timestamp `days` days ago (the `last_days` filters, 1–30). */
function daysAgo(q: Q): string | undefined {
  if (one(q, 'last_days') === undefined) return undefined;
  const days = intParam(q, 'last_days', 1, 30, null);
  return new Date(Date.now() - days * 86_400_000).toISOString().replace('Z', '000Z');
}

function checkPatterns(field: string, patterns: string[]): void {
  for (const [i, p] of patterns.entries()) {
    try {
      parseRule(p);
    } catch (err) {
      throw invalid(
        `${field}[${i}]`,
        `${p} is not a supported schedule (FREQ=DAILY|WEEKLY;BYDAY=..;BYHOUR=..;BYMINUTE=..;INTERVAL=..): ${(err as Error).message}`,
      );
    }
  }
}

function checkOperationDefinition(field: string, d: OperationDefinition | undefined): OperationDefinition {
  const def: OperationDefinition = { max_backups: -1, retention_duration_days: -1, ...(d ?? {}) };
  const longTerm = [def.day_backups, def.week_backups, def.month_backups, def.year_backups].some(
    (x) => x !== undefined,
  );
  if (longTerm && !def.timezone)
    throw invalid(`${field}.timezone`, 'is required with day/week/month/year_backups');
  if (def.timezone !== undefined && !/^UTC[+-]\d{2}:\d{2}$/.test(def.timezone)) {
    throw invalid(`${field}.timezone`, 'must look like UTC+08:00');
  }
  if (def.max_backups === 0) throw invalid(`${field}.max_backups`, 'must be -1 or 1–99999');
  if (def.retention_duration_days === 0)
    throw invalid(`${field}.retention_duration_days`, 'must be -1 or 1–99999');
  return def;
}

function reply200(reply: FastifyReply): void {
  reply.code(200).send();
}

export async function hssApi(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const hss = new HssStore(ctx.db);
  const preHandler = requireProjectAuth(ctx);

  // HSS backup policies run from the process that serves the API (a slot is claimed in the catalog first).
  let stopRunner: (() => Promise<void>) | null = null;
  app.addHook('onReady', async () => {
    stopRunner = startPolicyRunner(ctx);
  });
  app.addHook('onClose', async () => {
    if (stopRunner) await stopRunner();
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = renderHssError(error);
    if (status >= 500) request.log.error({ err: error }, 'hss request failed');
    reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = renderHssError(
      new AppError('route_not_found', `The requested URL ${request.method} ${request.url} was not found.`),
    );
    reply.code(status).send(body);
  });

  const pid = (request: FastifyRequest): string => {
    if (!request.auth) throw new AppError('unauthenticated');
    return request.auth.projectId;
  };

  const notFound = (what: string, id: string) =>
    new AppError('resource_not_found', `The ${what} ${id} does not exist.`);

  async function serverVault(
    deps: ProtocolDeps,
    projectId: string,
    vaultId: string,
    field: string,
  ): Promise<Vault> {
    const v = await deps.vaults.get(projectId, vaultId).catch((err) => {
      if (isAppError(err) && err.code === 'vault_not_found') throw notFound('vault', vaultId);
      throw err;
    });
    if (v.objectType !== 'server') throw invalid(field, `vault ${vaultId} is not a server backup vault`);
    return v;
  }

  // -------------------------------------------------------------------- backups

  typed.get(
    '/:project_id/ransomware/backup/:backup_id/detail',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ShowBackupInfoByBackupId (seed 004)',
        params: BackupIdParams,
        querystring: Query,
        response: { 200: BackupDetail },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const id = request.params.backup_id;
      const got = await deps.backups.get(pid(request), id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      return backupDetail(got.backup, got.children);
    },
  );

  typed.get(
    '/:project_id/ransomware/backup/:backup_id',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListBackedupByHostId: backups of a host',
        params: BackupIdParams,
        querystring: Query,
        response: { 200: BackCopyList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const q = request.query as Q;
      const hostId = request.params.backup_id;
      const { offset, limit } = paging(q, true);
      const status = one(q, 'status');
      if (status !== undefined && !BACKUP_STATUSES.includes(status as BackupStatus)) {
        throw invalid('status', `must be one of ${BACKUP_STATUSES.join(', ')}`);
      }
      const name = one(q, 'name');
      const from = daysAgo(q);
      const { items, count } = await deps.backups.list(
        {
          projectId: pid(request),
          resourceId: hostId,
          parentId: null,
          ...(status ? { statuses: [status as BackupStatus] } : {}),
          ...(name ? { name } : {}),
          ...(from ? { createdFrom: from } : {}),
        },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit, offset },
      );
      return { total_num: count, data_list: items.map(backCopy) };
    },
  );

  typed.post(
    '/:project_id/ransomware/duplication/:backup_id/restore',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'RestoreDuplicationInfo: restore a backup',
        params: BackupIdParams,
        body: RestoreBody,
      },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const id = request.params.backup_id;
      const body = request.body;
      const got = await deps.backups.get(projectId, id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      const mappings = body.mappings?.map((m) => ({ backupId: m.backup_id, volumeId: m.volume_id }));
      if (got.backup.resourceKind === 'server') {
        await deps.backups.restore(projectId, id, {
          serverId: body.server_id,
          ...(mappings ? { mappings } : {}),
        });
      } else {
        const volumeId = mappings?.[0]?.volumeId || undefined;
        await deps.backups.restore(projectId, id, volumeId ? { volumeId } : {});
      }
      reply200(reply);
    },
  );

  typed.delete(
    '/:project_id/ransomware/duplication/:backup_id',
    {
      preHandler,
      schema: { tags: ['hss'], summary: 'DeleteDuplicationInfo: delete a backup', params: BackupIdParams },
    },
    async (request, reply) => {
      const deps = protocolDeps(ctx);
      const id = request.params.backup_id;
      await deps.backups.delete(pid(request), id).catch((err) => {
        if (isAppError(err) && err.code === 'backup_not_found') throw notFound('backup', id);
        throw err;
      });
      reply200(reply);
    },
  );

  // -------------------------------------------------------------------- operation logs (restores)

  typed.get(
    '/:project_id/ransomware/backup/operation-logs',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListOperationLogsByVaultName: restore logs',
        params: ProjectParams,
        querystring: Query,
        response: { 200: RestoreLogList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const q = request.query as Q;
      const { offset, limit } = paging(q, true);
      const status = one(q, 'status');
      const statuses = ['success', 'skipped', 'failed', 'running', 'timeout', 'waiting'];
      if (status !== undefined && !statuses.includes(status))
        throw invalid('status', `must be one of ${statuses.join(', ')}`);
      const resourceName = one(q, 'resource_name');
      const from = daysAgo(q);
      const { items, count } = await deps.cbr.listOplogs({
        projectId: pid(request),
        operationType: 'restore',
        ...(status ? { status } : {}),
        ...(resourceName ? { resourceName } : {}),
        ...(from ? { startedFrom: from } : {}),
        limit,
        offset,
      });
      return { total_num: count, data_list: items.map(restoreLog) };
    },
  );

  // -------------------------------------------------------------------- vaults

  typed.get(
    '/:project_id/ransomware/optional/vaults',
    {
      preHandler,
      schema: {
        tags: ['hss'],
        summary: 'ListBackupVaults: server vaults usable for protection',
        params: ProjectParams,
        querystring: Query,
        response: { 200: BackupVaultList },
      },
    },
    async (request) => {
      const deps = protocolDeps(ctx);
      const projectId = pid(request);
      const q = request.query as Q;
      const offset = intParam(q, 'offset', 0, 2_000_000, 0);
      const limit = intParam(q, 'limit', 1, 200, 10);
      const name = one(q, 'vault_name');
      const id = one(q, 'vault_id');
      const { items } = await deps.vaults.list({
        projectId,
        objectType: 'server',
        limit: 100_000,
        offset: 0,
      });
      const matched = items.filter(
        (v) => (name === undefined || v.name.includes(name)) && (id === undefined || v.id === id),
      );
      const page = matched.slice(offset, offset + limit);
      const data_list = [];
      for (const v of page) data_list.push(vaultInfo(v, await hss.backupPolicyOfVault(projectId, v.id)));
      return { total_num: matched.length, data_list };
    },
  );

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

  function policyRow(
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
      throw invalid(
        'protection_directory',
        'must be 1–20 ";"-separated directories of at most 128 characters',
      );
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

  async function createProtectionPolicy(
    projectId: string,
    b: ProtectionPolicyCreate,
  ): Promise<ProtectionPolicyRow> {
    const id = b.policy_id || randomUUID();
    if (await hss.getProtectionPolicy(projectId, id))
      throw invalid('policy_id', `policy ${id} already exists`);
    const row = policyRow(projectId, id, b, nowTimestamp());
    await hss.insertProtectionPolicy(row);
    return row;
  }

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
      const offset = intParam(q, 'offset', 0, 2_000_000, 0);
      const limit = intParam(q, 'limit', 10, 200, 10);
      const os = one(q, 'operating_system');
      if (os !== undefined && os !== 'Windows' && os !== 'Linux')
        throw invalid('operating_system', 'must be Windows or Linux');
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
      await createProtectionPolicy(pid(request), request.body);
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
        policyId = (await createProtectionPolicy(projectId, b.create_protection_policy)).id;
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
    const offset = intParam(q, 'offset', 0, 2_000_000, nodes ? null : 0);
    const limit = intParam(q, 'limit', 10, 200, nodes ? null : 10);
    const hostId = one(q, 'host_id');
    const ransomStatus = one(q, 'ransom_protection_status');
    const policyId = one(q, 'policy_id');
    const hostName = one(q, 'host_name');
    const osType = one(q, 'os_type');
    if (osType !== undefined && osType !== 'Linux' && osType !== 'Windows')
      throw invalid('os_type', 'must be Linux or Windows');
    const hostStatus = one(q, 'host_status');
    if (hostStatus !== undefined && hostStatus !== 'ACTIVE' && hostStatus !== 'SHUTOFF') {
      throw invalid('host_status', 'must be ACTIVE or SHUTOFF');
    }
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

/** Protocol plugin registered by buildApp: HSS v5 under /v5. */
export default async function hssPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  await app.register(hssApi, { ctx: opts.ctx, prefix: '/v5' });
}
