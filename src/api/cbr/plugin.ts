// CBR v3 API: versions, vaults, checkpoints, backups, operation logs, protectables.
// Routes map wire shapes to the protocol-neutral services (src/services) and back; no SQL, no file I/O.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { kindOfProvider } from '../../domain/cbr-rules.js';
import { AppError } from '../../domain/errors.js';
import { secondEnd, secondStart } from '../../domain/timestamps.js';
import { getProtectable, listProtectables } from '../../services/protectables.js';
import { protocolDeps } from '../../services/protocol-deps.js';
import { requireProjectAuth } from '../auth.js';
import { registerBillingRoutes } from './billing-routes.js';
import { registerDeploymentRoutes } from './deployment-routes.js';
import { cbrErrorHandler } from './errors.js';
import { backupToWire, checkpointToWire, oplogToWire, protectableToWire, vaultToWire } from './mappers.js';
import { registerMemberRoutes } from './member-routes.js';
import { registerPolicyRoutes } from './policy-routes.js';
import { parseListBackupsQuery } from './query.js';
import * as S from './schemas.js';
import { registerTagRoutes } from './tag-routes.js';
import { kindOfType, vaultCreateInput } from './vault-input.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ProjectParams = Type.Object({ project_id: Id });
const VaultParams = Type.Object({ project_id: Id, vault_id: Id });
const BackupParams = Type.Object({ project_id: Id, backup_id: Id });
const CheckpointParams = Type.Object({ project_id: Id, checkpoint_id: Id });
const OplogParams = Type.Object({ project_id: Id, operation_log_id: Id });
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody };
/** Bytes of serialized ListBackups answers kept at most (about the size of the catalog's row cache). */
const LISTED_BYTES_MAX = 32 * 1024 * 1024;

/** 202/204 with no body at all, as the spec documents. */
function noContent(reply: unknown, code: 202 | 204): FastifyReply {
  return (reply as FastifyReply).code(code).send();
}

/**
 * An answer already serialized by JSON.stringify (as this plugin's serializer does): a string, or its UTF-8
 * bytes, with a JSON content type is sent as is, so the bytes and headers are those of the serialized object.
 */
function sendSerialized(reply: unknown, body: string | Buffer): FastifyReply {
  return (reply as FastifyReply).type('application/json; charset=utf-8').send(body);
}

function versionDoc(request: FastifyRequest) {
  return {
    id: 'v3',
    status: 'CURRENT',
    links: [{ href: `${request.protocol}://${request.host}/v3/`, rel: 'self' }],
    updated: '2019-05-01T00:00:00Z',
    min_version: '',
    version: '',
  };
}

export default async function cbrPlugin(fastify: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(cbrErrorHandler);
  // Response schemas document the wire (OpenAPI); the mappers already produce exactly those fields, and for
  // these nested, null-rich shapes JSON.stringify is about twice as fast as a compiled schema serializer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Authenticate before validating, so that an anonymous request learns nothing from validation errors.
  const preValidation = requireProjectAuth(ctx);
  const svc = () => ctx.services;
  const tags = ['cbr'];
  /** ShowBackup's serialized answers by catalog snapshot (see BackupTree.snapshot); they go with the snapshot. */
  const shownBackups = new WeakMap<object, string>();
  /**
   * ListBackups' answers (UTF-8 bytes) by catalog snapshot (see BackupList.snapshot), under the same rule. A page
   * can be up to ~1 MB (limit 1000), so the bytes kept are bounded too: past LISTED_BYTES_MAX the map starts
   * afresh (the store keeps up to 2,000 pages, which the WeakMap alone would let hold gigabytes).
   */
  let listedBackups = new WeakMap<object, Buffer>();
  let listedBytes = 0;

  // ------------------------------------------------------------------ versions
  app.get(
    '/',
    { schema: { tags, summary: 'List API versions', response: { 300: S.Versions } } },
    async (req, reply) => {
      reply.code(300);
      return { versions: [versionDoc(req)] };
    },
  );
  app.get(
    '/v3',
    { schema: { tags, summary: 'Show API version v3', response: { 300: S.Versions } } },
    async (req, reply) => {
      reply.code(300);
      return { versions: [versionDoc(req)] };
    },
  );

  registerPolicyRoutes(app, ctx, preValidation);
  registerMemberRoutes(app, ctx, preValidation);
  registerTagRoutes(app, ctx, preValidation);
  registerBillingRoutes(app, ctx, preValidation);
  registerDeploymentRoutes(app, ctx, preValidation);

  // ------------------------------------------------------------------ vaults
  const vaults = '/v3/:project_id/vaults';
  app.post(
    vaults,
    {
      preValidation,
      schema: {
        tags,
        summary: 'CreateVault',
        params: ProjectParams,
        body: S.CreateVaultRequest,
        response: { 200: S.VaultResponse, ...errors },
      },
    },
    async (req) => {
      const vault = await svc().vaults.create(
        { projectId: req.params.project_id, userId: req.auth?.userId ?? null },
        vaultCreateInput(req.body.vault),
      );
      return { vault: vaultToWire(vault) };
    },
  );

  app.get(
    vaults,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListVault',
        params: ProjectParams,
        querystring: S.ListVaultQuery,
        response: { 200: S.ListVaultResponse, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 1000;
      const offset = q.offset ?? 0;
      const { items, count } = await svc().vaults.list({
        projectId: req.params.project_id,
        name: q.name,
        objectType: q.object_type,
        protectType: q.protect_type,
        status: q.status,
        ids: q.id,
        marker: q.marker,
        policyId: q.policy_id,
        enterpriseProjectId: q.enterprise_project_id,
        resourceIds: q.resource_ids
          ? q.resource_ids
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined,
        limit,
        offset,
      });
      return { vaults: items.map(vaultToWire), count, limit, offset };
    },
  );

  app.get(
    `${vaults}/summary`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowSummary',
        params: ProjectParams,
        response: { 200: S.SummaryResponse, ...errors },
      },
    },
    async (req) => {
      const s = await svc().vaults.summary(req.params.project_id);
      return { size: s.sizeGb, used_size: s.usedMb };
    },
  );

  app.put(
    `${vaults}/batch-update`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'BatchUpdateVault',
        params: ProjectParams,
        body: S.BatchUpdateVaultRequest,
        response: { 200: S.BatchUpdateVaultResponse, ...errors },
      },
    },
    async (req) => ({
      updated_vaults_id: await svc().vaults.batchUpdate(req.params.project_id, {
        smnNotify: req.body.vault.smn_notify,
        threshold: req.body.vault.threshold,
      }),
    }),
  );

  app.get(
    `${vaults}/external`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListExternalVault',
        params: ProjectParams,
        querystring: S.ListExternalVaultQuery,
        response: { 200: S.ListVaultResponse, ...errors },
      },
    },
    async (req) => {
      // External vaults live in the peer deployments a region file declares; this deployment declares none,
      // so every region_id names a region it cannot reach.
      throw new AppError(
        'validation',
        `Invalid parameter region_id: ${req.query.region_id} is not a replication region of this deployment (region ${ctx.config.region}); no replication regions are configured`,
        { field: 'region_id' },
      );
    },
  );

  app.get(
    `${vaults}/:vault_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowVault',
        params: VaultParams,
        response: { 200: S.VaultResponse, ...errors },
      },
    },
    async (req) => ({
      vault: vaultToWire(await svc().vaults.get(req.params.project_id, req.params.vault_id)),
    }),
  );

  app.put(
    `${vaults}/:vault_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'UpdateVault',
        params: VaultParams,
        body: S.UpdateVaultRequest,
        response: { 200: S.VaultResponse, ...errors },
      },
    },
    async (req) => {
      const v = req.body.vault;
      const vault = await svc().vaults.update(req.params.project_id, req.params.vault_id, {
        name: v.name,
        sizeGb: v.billing?.size,
        consistentLevel: v.billing?.consistent_level,
        autoBind: v.auto_bind,
        bindRules: v.bind_rules?.tags,
        autoExpand: v.auto_expand,
        smnNotify: v.smn_notify,
        threshold: v.threshold,
        locked: v.locked,
      });
      return { vault: vaultToWire(vault) };
    },
  );

  app.delete(
    `${vaults}/:vault_id`,
    { preValidation, schema: { tags, summary: 'DeleteVault', params: VaultParams, response: errors } },
    async (req, reply) => {
      await svc().vaults.delete(req.params.project_id, req.params.vault_id);
      return noContent(reply, 204);
    },
  );

  app.post(
    `${vaults}/:vault_id/addresources`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'AddVaultResource',
        params: VaultParams,
        body: S.AddResourcesRequest,
        response: { 200: S.AddResourcesResponse, ...errors },
      },
    },
    async (req) => {
      const ids = await svc().vaults.addResources(
        req.params.project_id,
        req.params.vault_id,
        req.body.resources.map((r, i) => ({
          id: r.id,
          kind: kindOfType(r.type),
          excludeVolumes: r.extra_info?.exclude_volumes,
          field: `resources[${i}]`,
        })),
      );
      return { add_resource_ids: ids };
    },
  );

  app.post(
    `${vaults}/:vault_id/removeresources`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'RemoveVaultResource',
        params: VaultParams,
        body: S.RemoveResourcesRequest,
        response: { 200: S.RemoveResourcesResponse, ...errors },
      },
    },
    async (req) => ({
      remove_resource_ids: await svc().vaults.removeResources(
        req.params.project_id,
        req.params.vault_id,
        req.body.resource_ids,
      ),
    }),
  );

  app.put(
    `${vaults}/:vault_id/set-resources`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'SetVaultResource',
        params: VaultParams,
        body: S.SetResourcesRequest,
        response: { 200: S.SetResourcesResponse, ...errors },
      },
    },
    async (req) => ({
      set_resource_ids: await svc().vaults.setResourcesSuspended(
        req.params.project_id,
        req.params.vault_id,
        req.body.resource_ids,
        req.body.action === 'suspend',
      ),
    }),
  );

  // ------------------------------------------------------------------ checkpoints
  app.post(
    '/v3/:project_id/checkpoints',
    {
      preValidation,
      schema: {
        tags,
        summary: 'CreateCheckpoint',
        params: ProjectParams,
        body: S.CreateCheckpointRequest,
        response: { 200: S.CheckpointResponse, ...errors },
      },
    },
    async (req) => {
      const c = req.body.checkpoint;
      const p = c.parameters ?? {};
      const ids = p.resources ?? p.resource_details?.map((r) => r.id);
      const { checkpoint } = await svc().checkpoints.create(
        { projectId: req.params.project_id, userId: req.auth?.userId ?? null },
        {
          vaultId: c.vault_id,
          resourceIds: ids,
          incremental: p.incremental,
          name: p.name ?? null,
          description: p.description ?? null,
          autoTrigger: p.auto_trigger,
        },
      );
      return { checkpoint: checkpointToWire(checkpoint) };
    },
  );

  app.get(
    '/v3/:project_id/checkpoints/:checkpoint_id',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowCheckpoint',
        params: CheckpointParams,
        response: { 200: S.CheckpointResponse, ...errors },
      },
    },
    async (req) => ({
      checkpoint: checkpointToWire(
        await svc().checkpoints.get(req.params.project_id, req.params.checkpoint_id),
      ),
    }),
  );

  // ------------------------------------------------------------------ backups
  app.get(
    '/v3/:project_id/backups',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListBackups',
        params: ProjectParams,
        querystring: S.ListBackupsQuery,
        response: { 200: S.ListBackupsResponse, ...errors },
      },
    },
    async (req, reply) => {
      const { filter, page } = parseListBackupsQuery(
        req.params.project_id,
        req.query as Record<string, string | string[]>,
      );
      const list = await svc().backups.list(filter, page);
      const { count, snapshot } = list;
      // `list.items` only when it is needed: the store copies the rows on first read.
      const answer = () => ({
        backups: list.items.map((b) => backupToWire(b)),
        count,
        offset: page.offset,
        limit: page.limit,
      });
      if (!snapshot) return answer();
      // Mapping and serializing a page (~90 KB for 100 backups) is most of this route's CPU: done once per
      // snapshot, which stands for this filter and page (project, offset and limit included) at one catalog
      // generation. Kept as bytes, so that Node does not encode the string again for every answer.
      let body = listedBackups.get(snapshot);
      if (body === undefined) {
        body = Buffer.from(JSON.stringify(answer()));
        if (listedBytes + body.length > LISTED_BYTES_MAX) {
          listedBackups = new WeakMap();
          listedBytes = 0;
        }
        listedBackups.set(snapshot, body);
        listedBytes += body.length;
      }
      return sendSerialized(reply, body);
    },
  );

  app.get(
    '/v3/:project_id/backups/:backup_id',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowBackup',
        params: BackupParams,
        response: { 200: S.ShowBackupResponse, ...errors },
      },
    },
    async (req, reply) => {
      const t = await svc().sharing.showBackup(req.params.project_id, req.params.backup_id);
      if (!t.snapshot) return { backup: backupToWire(t.backup, t.children) };
      // Mapping and serializing the 2–3 KB answer is most of this route's own work: done once per snapshot.
      let body = shownBackups.get(t.snapshot);
      if (body === undefined) {
        body = JSON.stringify({ backup: backupToWire(t.backup, t.children) });
        shownBackups.set(t.snapshot, body);
      }
      return sendSerialized(reply, body);
    },
  );

  app.put(
    '/v3/:project_id/backups/:backup_id',
    {
      preValidation,
      schema: {
        tags,
        summary: 'UpdateBackup',
        params: BackupParams,
        body: S.UpdateBackupRequest,
        response: { 200: S.ShowBackupResponse, ...errors },
      },
    },
    async (req) => {
      const { backup, children } = await svc().backups.rename(
        req.params.project_id,
        req.params.backup_id,
        req.body.backup.name,
      );
      return { backup: backupToWire(backup, children) };
    },
  );

  app.delete(
    '/v3/:project_id/backups/:backup_id',
    { preValidation, schema: { tags, summary: 'DeleteBackup', params: BackupParams, response: errors } },
    async (req, reply) => {
      await svc().backups.delete(req.params.project_id, req.params.backup_id);
      return noContent(reply, 204);
    },
  );

  app.post(
    '/v3/:project_id/backups/:backup_id/restore',
    {
      preValidation,
      schema: {
        tags,
        summary: 'RestoreBackup',
        params: BackupParams,
        body: S.RestoreRequest,
        response: errors,
      },
    },
    async (req, reply) => {
      const r = req.body.restore;
      // An empty list is no mapping: the backup goes back to the disks it was taken from.
      const mappings = r.mappings?.length ? r.mappings : undefined;
      await svc().backups.restore(req.params.project_id, req.params.backup_id, {
        volumeId: r.volume_id,
        serverId: r.server_id ?? (mappings ? r.resource_id : undefined),
        mappings: mappings?.map((m) => ({ backupId: m.backup_id, volumeId: m.volume_id })),
      });
      return noContent(reply, 202);
    },
  );

  // ------------------------------------------------------------------ operation logs
  app.get(
    '/v3/:project_id/operation-logs',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListOpLogs',
        params: ProjectParams,
        querystring: S.ListOperationLogsQuery,
        response: { 200: S.ListOperationLogsResponse, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 1000;
      const offset = q.offset ?? 0;
      const kind = q.provider_id === undefined ? undefined : kindOfProvider(q.provider_id);
      if (kind === null) {
        throw new AppError('validation', 'Invalid parameter provider_id: not a known provider', {
          field: 'provider_id',
        });
      }
      const { items, count } = await svc().operationLogs.list({
        projectId: req.params.project_id,
        operationType: q.operation_type,
        status: q.status,
        vaultId: q.vault_id,
        vaultName: q.vault_name,
        resourceId: q.resource_id,
        resourceName: q.resource_name,
        providerKind: kind,
        startedFrom: q.start_time ? secondStart(q.start_time) : undefined,
        startedTo: q.end_time ? secondEnd(q.end_time) : undefined,
        limit,
        offset,
      });
      return { operation_logs: items.map(oplogToWire), count, limit, offset };
    },
  );

  app.get(
    '/v3/:project_id/operation-logs/:operation_log_id',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowOpLog',
        params: OplogParams,
        response: { 200: S.OperationLogResponse, ...errors },
      },
    },
    async (req) => ({
      operation_log: oplogToWire(
        await svc().operationLogs.get(req.params.project_id, req.params.operation_log_id),
      ),
    }),
  );

  // ------------------------------------------------------------------ protectables (over the inventory)
  const ProtectableParams = Type.Object({
    project_id: Id,
    protectable_type: Type.Union([Type.Literal('server'), Type.Literal('disk')]),
  });
  app.get(
    '/v3/:project_id/protectables/:protectable_type/instances',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListProtectable',
        params: ProtectableParams,
        querystring: S.ListProtectablesQuery,
        response: { 200: Type.Object({ instances: Type.Array(S.ProtectableResp) }), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const list = await listProtectables(
        protocolDeps(ctx),
        req.params.project_id,
        req.params.protectable_type,
        {
          ...(q.server_id ? { serverId: q.server_id } : {}),
          ...(q.id ? { id: q.id } : {}),
          ...(q.name ? { name: q.name } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.marker ? { marker: q.marker } : {}),
          offset: q.offset ?? 0,
          limit: q.limit ?? 50,
        },
      );
      return { instances: list.map(protectableToWire) };
    },
  );

  app.get(
    '/v3/:project_id/protectables/:protectable_type/instances/:instance_id',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowProtectable',
        params: Type.Object({ ...ProtectableParams.properties, instance_id: Id }),
        response: { 200: Type.Object({ instance: S.ProtectableResp }), ...errors },
      },
    },
    async (req) => {
      const { project_id, protectable_type, instance_id } = req.params;
      const p = await getProtectable(protocolDeps(ctx), project_id, protectable_type, instance_id);
      return { instance: protectableToWire(p) };
    },
  );
}
