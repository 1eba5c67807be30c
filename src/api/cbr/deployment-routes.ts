// What this deployment is and offers, as CBR clients ask for it: its features (ListFeatures, ShowFeature),
// its replication regions (ShowReplicationCapabilities), storage used per resource (ShowStorageUsage), what a
// backup recorded about its server (ShowMetadata), and the projects and domains the caller may use
// (ShowDomain, ListDomainProjects, ListProjects: only projects the caller holds a role in).
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import type { Project } from '../../domain/identity-service.js';
import { resourceKindOf, resourceTypeOf } from '../../domain/resource-types.js';
import { backupMetadata, storageUsage } from '../../services/backup-reports.js';
import { protocolDeps } from '../../services/protocol-deps.js';
import { authenticateForProject } from '../auth.js';
import * as S from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ProjectParams = Type.Object({ project_id: Id });
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody };
/** Features are a free-form object keyed by feature (CBR documents no fixed schema). */
const FreeForm = Type.Object({}, { additionalProperties: true });
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};

/** The CBR feature keys and this deployment's value of each. */
function features(ctx: AppContext): Record<string, unknown> {
  return {
    // No peer regions are configured, so nothing replicates and this region is the only source.
    'replication.enable': false,
    'replication.source_region': ctx.config.region,
    'replication.destination_regions': [],
    'replication.destination_dgw_regions': [],
    'features.backup_double_az': false,
  };
}

/**
 * The calling user, for the calls whose URL names no project: a Keystone token (scoped or not) or an AK/SK
 * signature with the X-Project-Id it was issued for.
 */
async function callerUserId(ctx: AppContext, req: FastifyRequest): Promise<string> {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token.length > 0) {
    const info = await ctx.identity.validateToken(token);
    if (!info) throw new AppError('unauthenticated', 'The token is not valid or has expired.');
    return info.user.id;
  }
  const project = req.headers['x-project-id'];
  if (typeof project === 'string' && project.length > 0) {
    return (await authenticateForProject(ctx, req, project)).userId;
  }
  throw new AppError('unauthenticated', 'Authentication required: send X-Auth-Token or an AK/SK signature.');
}

export function registerDeploymentRoutes(
  fastify: FastifyInstance,
  ctx: AppContext,
  preValidation: preValidationHookHandler,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['cbr'];
  const callerProjects = async (req: FastifyRequest): Promise<Project[]> =>
    ctx.identity.projectsOfUser(await callerUserId(ctx, req));

  app.get(
    '/v3/:project_id/cbr-features',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListFeatures',
        params: ProjectParams,
        response: { 200: FreeForm, ...errors },
      },
    },
    async () => features(ctx),
  );
  app.get(
    '/v3/:project_id/cbr-features/:feature_key',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowFeature',
        params: Type.Object({ project_id: Id, feature_key: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: { 200: FreeForm, ...errors },
      },
    },
    async (req) => {
      const all = features(ctx);
      const key = req.params.feature_key;
      if (!(key in all)) {
        throw new AppError('validation', `Invalid parameter feature_key: unknown feature ${key}.`, {
          status: 404,
          field: 'feature_key',
        });
      }
      return { [key]: all[key] };
    },
  );

  app.get(
    '/v3/:project_id/replication-capabilities',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowReplicationCapabilities',
        params: ProjectParams,
        response: {
          200: Type.Object({
            regions: Type.Array(
              Type.Object({ name: Type.String(), replication_destinations: Type.Array(Type.String()) }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({ regions: [{ name: ctx.config.region, replication_destinations: [] }] }),
  );

  app.get(
    '/v3/:project_id/storage_usage',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowStorageUsage',
        params: ProjectParams,
        querystring: Type.Object({
          ...Paging,
          resource_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          resource_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: {
          200: Type.Object({
            resource_count: Type.Integer(),
            storage_usage: Type.Array(
              Type.Object({
                resource_id: Type.String(),
                resource_name: Type.String(),
                resource_type: Type.String(),
                backup_count: Type.Integer(),
                backup_size: Type.Integer(),
                backup_size_multiaz: Type.Integer(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const kind = q.resource_type === undefined ? undefined : resourceKindOf(q.resource_type);
      if (kind === null) {
        throw new AppError('validation', `Invalid parameter resource_type: ${q.resource_type}.`, {
          field: 'resource_type',
        });
      }
      const page = await storageUsage(protocolDeps(ctx), req.params.project_id, {
        ...(q.resource_id ? { resourceId: q.resource_id } : {}),
        ...(kind ? { kind } : {}),
        offset: q.offset ?? 0,
        limit: q.limit ?? 1000,
      });
      return {
        resource_count: page.count,
        storage_usage: page.items.map((u) => ({
          resource_id: u.resourceId,
          resource_name: u.resourceName,
          resource_type: resourceTypeOf(u.kind),
          backup_count: u.backupCount,
          // Bytes stored (after dedup, compression, encryption), as the vault's resources[].backup_size.
          backup_size: u.storedBytes,
          // Every vault is in one availability zone here.
          backup_size_multiaz: 0,
        })),
      };
    },
  );

  app.get(
    '/v3/:project_id/backups/:backup_id/metadata',
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowMetadata',
        params: Type.Object({ project_id: Id, backup_id: Id }),
        response: {
          200: Type.Object({
            backup_id: Type.String(),
            backups: Type.String(),
            server: Type.String(),
            volumes: Type.Array(Type.String()),
            ports: Type.Array(Type.String()),
            floatingips: Type.Array(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const m = await backupMetadata(protocolDeps(ctx), req.params.project_id, req.params.backup_id);
      const volumes = m.disks.map((d) => ({
        id: d.volumeId,
        name: d.name,
        size: d.sizeGb,
        size_bytes: d.bytes,
        bootable: d.bootable ? 'true' : 'false',
        // Device names in the order of the server's disks, the first being the system disk.
        device: `/dev/vd${String.fromCharCode(97 + d.diskIndex)}`,
      }));
      return {
        backup_id: m.backupId,
        backups: JSON.stringify(
          m.disks.map((d) => ({ backup_id: d.backupId, volume_id: d.volumeId, bootable: d.bootable })),
        ),
        server: JSON.stringify({
          id: m.server.id,
          name: m.server.name,
          'OS-EXT-AZ:availability_zone': m.server.availabilityZone,
          'os-extended-volumes:volumes_attached': volumes.map((v) => ({ id: v.id })),
        }),
        volumes: volumes.map((v) => JSON.stringify(v)),
        // opencbr's servers have no network ports or floating IPs to record.
        ports: [],
        floatingips: [],
      };
    },
  );

  // ------------------------------------------------------------------ projects and domains of the caller
  const ProjectRef = Type.Object({ project_id: Type.String(), project_name: Type.String() });
  app.get(
    '/v3/domain/:source_project_id',
    {
      schema: {
        tags,
        summary: 'ShowDomain',
        params: Type.Object({ source_project_id: Id }),
        response: {
          200: Type.Object({
            project_id: Type.String(),
            project_name: Type.String(),
            domain_id: Type.String(),
            domain_name: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = (await callerProjects(req)).find((x) => x.id === req.params.source_project_id);
      // Another user's project is as unknown as a missing one.
      if (!p)
        throw new AppError('project_not_found', `Could not find project: ${req.params.source_project_id}.`);
      const d = await ctx.identity.getDomain(p.domainId);
      return { project_id: p.id, project_name: p.name, domain_id: d.id, domain_name: d.name };
    },
  );
  app.get(
    '/v3/domain/:domain_name/projects',
    {
      schema: {
        tags,
        summary: 'ListDomainProjects',
        params: Type.Object({ domain_name: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: { 200: Type.Object({ projects: Type.Array(ProjectRef) }), ...errors },
      },
    },
    async (req) => {
      const mine = await callerProjects(req);
      const domains = new Map<string, string>();
      for (const p of mine) {
        if (!domains.has(p.domainId))
          domains.set(p.domainId, (await ctx.identity.getDomain(p.domainId)).name);
      }
      return {
        projects: mine
          .filter((p) => domains.get(p.domainId) === req.params.domain_name)
          .map((p) => ({ project_id: p.id, project_name: p.name })),
      };
    },
  );
  app.get(
    '/v3/region-projects',
    {
      schema: {
        tags,
        summary: 'ListProjects',
        response: {
          200: Type.Object({
            projects: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                domain_id: Type.String(),
                is_domain: Type.Boolean(),
                parent_id: Type.String(),
                description: Type.String(),
                enabled: Type.Boolean(),
                links: Type.Object({ self: Type.String() }),
              }),
            ),
            links: Type.Object({ self: Type.String() }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const base = `${req.protocol}://${req.host}`;
      return {
        projects: (await callerProjects(req)).map((p) => ({
          id: p.id,
          name: p.name,
          domain_id: p.domainId,
          is_domain: false,
          // Projects hang directly off their domain (no project hierarchy).
          parent_id: p.domainId,
          description: p.description,
          enabled: p.enabled,
          links: { self: `${base}/identity/v3/projects/${p.id}` },
        })),
        links: { self: `${base}/v3/region-projects` },
      };
    },
  );
}
