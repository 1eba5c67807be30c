import { Type } from '@fastify/type-provider-typebox';
// opencbr's own API: the operator declares volumes (image files / block devices) and servers; backups are
// verified (read back and checked) by a durable job whose operation log names every bad byte range.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { checkTags } from '../../domain/tags.js';
import { requireProjectAuth } from '../auth.js';
import { sendCbrError } from './errors.js';
import {
  BackupParams,
  CbrError,
  IdParams,
  ListQuery,
  OplogParams,
  ProjectParams,
  ServerCreate,
  ServerView,
  TaggedView,
  VerifyOpLogView,
  VerifyStarted,
  VolumeCreate,
  VolumeView,
} from './schemas.js';
import { registerInventoryTagRoutes } from './tag-routes.js';
import { serverView, verifyOplogView, volumeView } from './views.js';

const errors = { 400: CbrError, 401: CbrError, 403: CbrError, 404: CbrError };

export default async function opencbrPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.setErrorHandler((error, _request, reply) => sendCbrError(reply, error));
  const auth = requireProjectAuth(ctx);
  const base = '/opencbr/v1/:project_id';
  const tags = ['opencbr inventory'];

  app.post<{ Params: { project_id: string }; Body: VolumeCreate }>(
    `${base}/volumes`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'Declare a volume (image file or block device under an allowed root)',
        params: ProjectParams,
        body: VolumeCreate,
        response: { 200: Type.Object({ volume: VolumeView, ...TaggedView.properties }), ...errors },
      },
    },
    async (request) => {
      const b = request.body.volume;
      const tagsIn = checkTags('volume.tags', b.tags ?? []);
      const v = await ctx.inventory.createVolume(request.params.project_id, {
        name: b.name,
        path: b.path,
        availabilityZone: b.availability_zone,
        description: b.description,
      });
      const t = await ctx.services.tags.tagResource(request.params.project_id, 'volume', v.id, tagsIn);
      return { volume: volumeView(v), tags: t.tags, auto_bound_vault_id: t.boundVaultId };
    },
  );

  app.get<{ Params: { project_id: string }; Querystring: ListQuery }>(
    `${base}/volumes`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'List volumes',
        params: ProjectParams,
        querystring: ListQuery,
        response: { 200: Type.Object({ volumes: Type.Array(VolumeView), count: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { nameLike: q.name, limit: q.limit, offset: q.offset };
      const [volumes, count] = await Promise.all([
        ctx.inventory.listVolumes(request.params.project_id, filter),
        ctx.inventory.countVolumes(request.params.project_id, { nameLike: q.name }),
      ]);
      return { volumes: volumes.map(volumeView), count };
    },
  );

  app.get<{ Params: IdParams }>(
    `${base}/volumes/:id`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'Show a volume',
        params: IdParams,
        response: { 200: Type.Object({ volume: VolumeView }), ...errors },
      },
    },
    async (request) => ({
      volume: volumeView(await ctx.inventory.refreshVolumeSize(request.params.project_id, request.params.id)),
    }),
  );

  app.delete<{ Params: IdParams }>(
    `${base}/volumes/:id`,
    {
      preValidation: auth,
      schema: { tags, summary: 'Forget a volume (its data is untouched)', params: IdParams },
    },
    async (request, reply) => {
      await ctx.inventory.deleteVolume(request.params.project_id, request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { project_id: string }; Body: ServerCreate }>(
    `${base}/servers`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'Declare a server: an ordered list of volumes, the first being the system disk',
        params: ProjectParams,
        body: ServerCreate,
        response: { 200: Type.Object({ server: ServerView, ...TaggedView.properties }), ...errors },
      },
    },
    async (request) => {
      const b = request.body.server;
      const tagsIn = checkTags('server.tags', b.tags ?? []);
      const s = await ctx.inventory.createServer(request.params.project_id, {
        name: b.name,
        volumeIds: b.volume_ids,
        availabilityZone: b.availability_zone,
        description: b.description,
      });
      const t = await ctx.services.tags.tagResource(request.params.project_id, 'server', s.id, tagsIn);
      return { server: serverView(s), tags: t.tags, auto_bound_vault_id: t.boundVaultId };
    },
  );

  app.get<{ Params: { project_id: string }; Querystring: ListQuery }>(
    `${base}/servers`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'List servers',
        params: ProjectParams,
        querystring: ListQuery,
        response: { 200: Type.Object({ servers: Type.Array(ServerView), count: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { nameLike: q.name, limit: q.limit, offset: q.offset };
      const [servers, count] = await Promise.all([
        ctx.inventory.listServers(request.params.project_id, filter),
        ctx.inventory.countServers(request.params.project_id, { nameLike: q.name }),
      ]);
      return { servers: servers.map(serverView), count };
    },
  );

  app.get<{ Params: IdParams }>(
    `${base}/servers/:id`,
    {
      preValidation: auth,
      schema: {
        tags,
        summary: 'Show a server',
        params: IdParams,
        response: { 200: Type.Object({ server: ServerView }), ...errors },
      },
    },
    async (request) => ({
      server: serverView(await ctx.inventory.getServer(request.params.project_id, request.params.id)),
    }),
  );

  app.delete<{ Params: IdParams }>(
    `${base}/servers/:id`,
    {
      preValidation: auth,
      schema: { tags, summary: 'Forget a server (its volumes stay declared)', params: IdParams },
    },
    async (request, reply) => {
      await ctx.inventory.deleteServer(request.params.project_id, request.params.id);
      return reply.code(204).send();
    },
  );
  registerInventoryTagRoutes(app, ctx, auth, base);
  const verifyTags = ['opencbr verification'];
  app.post<{ Params: BackupParams }>(
    `${base}/backups/:backup_id/verify`,
    {
      preValidation: auth,
      schema: {
        tags: verifyTags,
        summary:
          'Verify a backup: read every chunk of it (each disk of a server backup) back and check it, as a job',
        params: BackupParams,
        response: { 202: VerifyStarted, ...errors, 409: CbrError },
      },
    },
    async (request, reply) => {
      const { operationLogId } = await ctx.services.verify.start(
        request.params.project_id,
        request.params.backup_id,
      );
      return reply.code(202).send({ operation_log_id: operationLogId, job_id: operationLogId });
    },
  );

  app.get<{ Params: OplogParams }>(
    `${base}/operation-logs/:operation_log_id`,
    {
      preValidation: auth,
      schema: {
        tags: verifyTags,
        summary:
          'Show a verify operation log: progress, then each bad region by disk, byte offset and length',
        params: OplogParams,
        response: { 200: Type.Object({ operation_log: VerifyOpLogView }), ...errors },
      },
    },
    async (request) => {
      const { log, result } = await ctx.services.verify.get(
        request.params.project_id,
        request.params.operation_log_id,
      );
      return { operation_log: verifyOplogView(log, result) };
    },
  );
}
