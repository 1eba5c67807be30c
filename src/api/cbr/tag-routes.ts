// CBR v3 vault tags: CreateVaultTags, BatchCreateAndDeleteVaultTags, DeleteVaultTag, ShowVaultTag,
// ShowVaultProjectTag and ShowVaultResourceInstances (filter / count), mapped to the tag service.
// The paths are CBR's singular `/vault/…`.
import { type Static, Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError, invalidField } from '../../domain/errors.js';
import {
  SYS_ENTERPRISE_PROJECT_KEY,
  type TagFilter,
  checkConditions,
  checkTagValue,
  checkTags,
  checkTagsToDelete,
} from '../../domain/tags.js';
import { vaultToWire } from './mappers.js';
import { ErrorBody } from './schemas.js';
import * as T from './tag-schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ProjectParams = Type.Object({ project_id: Id });
const VaultParams = Type.Object({ project_id: Id, vault_id: Id });
const TagKeyParams = Type.Object({ project_id: Id, vault_id: Id, key: Type.String({ maxLength: 255 }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const LIMIT_MAX = 1000;

/** A limit or offset given as a string of digits (or an integer) within bounds. */
function pageNumber(field: string, raw: string | number | undefined, dflt: number, min: number, max: number) {
  if (raw === undefined) return dflt;
  const n = typeof raw === 'number' ? raw : /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidField(
      field,
      `must be an integer from ${min} to ${max}${typeof raw === 'string' ? ' (as a string)' : ''}`,
    );
  }
  return n;
}

/** sys_tags are the platform's: only op_service may set them, and no caller of opencbr is op_service. */
function refuseSysTags(sysTags: unknown[] | undefined): void {
  if (sysTags !== undefined && sysTags.length > 0) {
    throw new AppError('validation', 'Invalid parameter sys_tags: only op_service may set system tags', {
      field: 'sys_tags',
    });
  }
}

function noContent(reply: unknown): FastifyReply {
  return (reply as FastifyReply).code(204).send();
}

export function registerTagRoutes(
  fastify: FastifyInstance,
  ctx: AppContext,
  preValidation: preValidationHookHandler,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const svc = () => ctx.services.tags;
  const tags = ['cbr'];
  const vault = '/v3/:project_id/vault';

  app.post(
    `${vault}/:vault_id/tags`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'CreateVaultTags',
        params: VaultParams,
        body: T.CreateVaultTagsRequest,
        response: errors,
      },
    },
    async (req, reply) => {
      const tag = checkTags('tag', [req.body.tag])[0]!;
      await svc().addVaultTags(req.params.project_id, req.params.vault_id, [tag]);
      return noContent(reply);
    },
  );

  app.post(
    `${vault}/:vault_id/tags/action`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'BatchCreateAndDeleteVaultTags',
        params: VaultParams,
        body: T.BatchVaultTagsRequest,
        response: errors,
      },
    },
    async (req, reply) => {
      const b = req.body;
      refuseSysTags(b.sys_tags);
      if (b.action === 'create') {
        if (!b.tags || b.tags.length === 0) throw invalidField('tags', 'must be a non-empty list of tags');
        await svc().addVaultTags(req.params.project_id, req.params.vault_id, checkTags('tags', b.tags));
      } else {
        await svc().deleteVaultTags(
          req.params.project_id,
          req.params.vault_id,
          checkTagsToDelete('tags', b.tags),
        );
      }
      return noContent(reply);
    },
  );

  app.delete(
    `${vault}/:vault_id/tags/:key`,
    { preValidation, schema: { tags, summary: 'DeleteVaultTag', params: TagKeyParams, response: errors } },
    async (req, reply) => {
      await svc().deleteVaultTag(req.params.project_id, req.params.vault_id, req.params.key);
      return noContent(reply);
    },
  );

  app.get(
    `${vault}/:vault_id/tags`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowVaultTag',
        params: VaultParams,
        response: { 200: T.ShowVaultTagResponse, ...errors },
      },
    },
    async (req) => {
      const t = await svc().vaultTags(req.params.project_id, req.params.vault_id);
      return { tags: t.tags, sys_tags: t.sysTags };
    },
  );

  app.get(
    `${vault}/tags`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowVaultProjectTag',
        params: ProjectParams,
        response: { 200: T.ShowProjectTagResponse, ...errors },
      },
    },
    async (req) => ({ tags: await svc().projectVaultTags(req.params.project_id) }),
  );

  const instances = async (
    projectId: string,
    b: Static<typeof T.ResourceInstancesRequest>,
    defaultAction: 'filter' | null,
  ) => {
    const action = b.action ?? defaultAction;
    if (action === null) throw invalidField('action', 'is required: filter or count');
    const filter: TagFilter = {
      withoutAnyTag: b.without_any_tag,
      tags: b.tags && checkConditions('tags', b.tags),
      tagsAny: b.tags_any && checkConditions('tags_any', b.tags_any),
      notTags: b.not_tags && checkConditions('not_tags', b.not_tags),
      notTagsAny: b.not_tags_any && checkConditions('not_tags_any', b.not_tags_any),
      objectType: b.object_type,
      cloudType: b.cloud_type,
    };
    if (b.sys_tags) {
      const sys = checkConditions('sys_tags', b.sys_tags);
      for (const [i, c] of sys.entries()) {
        if (c.key !== SYS_ENTERPRISE_PROJECT_KEY) {
          throw invalidField(`sys_tags[${i}].key`, `must be ${SYS_ENTERPRISE_PROJECT_KEY}`);
        }
        if (c.values.length > 0) filter.enterpriseProjectIds = c.values;
      }
    }
    for (const [i, m] of (b.matches ?? []).entries()) {
      if (m.key !== 'resource_name') throw invalidField(`matches[${i}].key`, 'must be resource_name');
      checkTagValue(`matches[${i}].value`, m.value, true);
      filter.nameMatch = m.value;
    }
    const limit = pageNumber('limit', b.limit, LIMIT_MAX, 1, LIMIT_MAX);
    const offset = pageNumber('offset', b.offset, 0, 0, 2 ** 31 - 1);
    const r = await svc().vaultInstances(projectId, filter, action === 'count' ? null : { limit, offset });
    if (action === 'count') return { total_count: r.count };
    return {
      resources: r.vaults.map((v) => ({
        resource_id: v.id,
        resource_name: v.name,
        resource_detail: { vault: vaultToWire(v) },
        tags: v.tags,
        sys_tags: [{ key: SYS_ENTERPRISE_PROJECT_KEY, value: v.enterpriseProjectId }],
      })),
      total_count: r.count,
    };
  };
  const instanceSchema = (summary: string) => ({
    tags,
    summary,
    params: ProjectParams,
    body: T.ResourceInstancesRequest,
    response: { 200: T.ResourceInstancesResponse, ...errors },
  });
  app.post(
    `${vault}/resource_instances/action`,
    { preValidation, schema: instanceSchema('ShowVaultResourceInstances') },
    async (req) => instances(req.params.project_id, req.body, null),
  );
  // The filter-only path some clients call: `action` may be left out there (it is `filter`).
  app.post(
    `${vault}/resource_instances/filter`,
    { preValidation, schema: instanceSchema('ShowVaultResourceInstances (filter path)') },
    async (req) => instances(req.params.project_id, req.body, 'filter'),
  );
}
