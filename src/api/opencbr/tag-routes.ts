// opencbr inventory tags: the tags of a declared volume or server (CBR's key and value rules). Tagging lets
// auto-bind take the resource: the oldest auto_bind vault of its kind whose bind rules it matches.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { checkTags } from '../../domain/tags.js';
import type { InventoryKind } from '../../services/tags.js';
import { CbrError, IdParams, TagKeyParams, TagView, TaggedView, TagsRequest } from './schemas.js';

const errors = { 400: CbrError, 401: CbrError, 403: CbrError, 404: CbrError };

export function registerInventoryTagRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  auth: preValidationHookHandler,
  base: string,
): void {
  const tags = ['opencbr inventory'];
  const kinds: Array<[string, InventoryKind]> = [
    ['volumes', 'volume'],
    ['servers', 'server'],
  ];
  for (const [plural, kind] of kinds) {
    app.get<{ Params: IdParams }>(
      `${base}/${plural}/:id/tags`,
      {
        preValidation: auth,
        schema: {
          tags,
          summary: `Show a ${kind}'s tags`,
          params: IdParams,
          response: { 200: Type.Object({ tags: Type.Array(TagView) }), ...errors },
        },
      },
      async (request) => ({
        tags: await ctx.services.tags.resourceTags(request.params.project_id, kind, request.params.id),
      }),
    );

    app.post<{ Params: IdParams; Body: TagsRequest }>(
      `${base}/${plural}/:id/tags`,
      {
        preValidation: auth,
        schema: {
          tags,
          summary: `Add or overwrite a ${kind}'s tags (auto-bind may then take it into a vault)`,
          params: IdParams,
          body: TagsRequest,
          response: { 200: TaggedView, ...errors },
        },
      },
      async (request) => {
        const t = await ctx.services.tags.tagResource(
          request.params.project_id,
          kind,
          request.params.id,
          checkTags('tags', request.body.tags),
        );
        return { tags: t.tags, auto_bound_vault_id: t.boundVaultId };
      },
    );

    app.delete<{ Params: TagKeyParams }>(
      `${base}/${plural}/:id/tags/:key`,
      {
        preValidation: auth,
        schema: { tags, summary: `Remove a tag of a ${kind}`, params: TagKeyParams, response: errors },
      },
      async (request, reply) => {
        await ctx.services.tags.untagResource(
          request.params.project_id,
          kind,
          request.params.id,
          request.params.key,
        );
        return reply.code(204).send();
      },
    );
  }
}
