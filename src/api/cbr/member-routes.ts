// CBR v3 backup sharing: AddMember, ShowMembersDetail, ShowMemberDetail, UpdateMemberStatus and DeleteMember,
// mapped to the sharing service. `member_id` is the receiving project's id.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError, invalidField } from '../../domain/errors.js';
import { MEMBER_SORT_KEYS, type Member, memberStatusOf } from '../../domain/sharing.js';
import type { MemberQuery } from '../../services/sharing.js';
import { type Q, intInRange, singleValue } from '../query.js';
import { backupTime } from './mappers.js';
import * as M from './member-schemas.js';
import { parseSort } from './query.js';
import { ErrorBody } from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const BackupParams = Type.Object({ project_id: Id, backup_id: Id });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function memberToWire(m: Member) {
  return {
    id: m.id,
    status: m.status,
    backup_id: m.backupId,
    dest_project_id: m.destProjectId,
    vault_id: m.vaultId,
    image_id: m.imageId,
    created_at: backupTime(m.createdAt),
    updated_at: backupTime(m.updatedAt),
  };
}

function statusParam(v: string, field: string) {
  const s = memberStatusOf(v);
  if (!s) throw invalidField(field, 'must be one of pending, accepted, rejected');
  return s;
}

function parseMemberQuery(q: Q): MemberQuery {
  const text = (field: string, uuid = false): string | undefined => {
    const v = singleValue(q, field);
    if (v === undefined) return undefined;
    if (v.length === 0 || v.length > 64) throw invalidField(field, 'must be 1 to 64 characters');
    if (uuid && !UUID.test(v)) throw invalidField(field, 'must be a UUID');
    return v;
  };
  const out: MemberQuery = {
    sort: [],
    limit: 1000,
    offset: 0,
  };
  const dest = text('dest_project_id');
  if (dest !== undefined) out.destProjectId = dest;
  const image = text('image_id');
  if (image !== undefined) out.imageId = image;
  const vault = text('vault_id', true);
  if (vault !== undefined) out.vaultId = vault;
  const marker = text('marker', true);
  if (marker !== undefined) out.marker = marker;
  const status = singleValue(q, 'status');
  if (status !== undefined) out.status = statusParam(status, 'status');
  const limit = singleValue(q, 'limit');
  if (limit !== undefined) out.limit = intInRange(limit, 'limit', 1, 1000);
  const offset = singleValue(q, 'offset');
  if (offset !== undefined) out.offset = intInRange(offset, 'offset', 0, 2147483647);
  const sort = singleValue(q, 'sort');
  out.sort = sort === undefined ? [{ key: 'created_at', dir: 'desc' }] : parseSort(sort, MEMBER_SORT_KEYS);
  return out;
}

export function registerMemberRoutes(
  fastify: FastifyInstance,
  ctx: AppContext,
  preValidation: preValidationHookHandler,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const svc = () => ctx.services.sharing;
  const tags = ['cbr'];
  const members = '/v3/:project_id/backups/:backup_id/members';

  app.post(
    members,
    {
      preValidation,
      schema: {
        tags,
        summary: 'AddMember',
        params: BackupParams,
        body: M.AddMemberRequest,
        response: { 200: M.MembersResponse, ...errors },
      },
    },
    async (req) => {
      // Sharing with whole domains (the SDK's beta field) has no counterpart here: refused, not ignored.
      if (req.body.domains?.length) {
        throw new AppError(
          'validation',
          'Invalid parameter domains: sharing with domains is not supported; give members',
          {
            field: 'domains',
          },
        );
      }
      const added = await svc().addMembers(req.params.project_id, req.params.backup_id, req.body.members);
      return { members: added.map(memberToWire), count: added.length };
    },
  );

  app.get(
    members,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowMembersDetail',
        params: BackupParams,
        querystring: M.ShowMembersDetailQuery,
        response: { 200: M.MembersResponse, ...errors },
      },
    },
    async (req) => {
      const q = parseMemberQuery(req.query as Q);
      const { items, count } = await svc().listMembers(req.params.project_id, req.params.backup_id, q);
      return { members: items.map(memberToWire), count };
    },
  );

  app.get(
    `${members}/:member_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowMemberDetail',
        params: M.MemberParams,
        response: { 200: M.MemberResponse, ...errors },
      },
    },
    async (req) => {
      const p = req.params;
      return { member: memberToWire(await svc().getMember(p.project_id, p.backup_id, p.member_id)) };
    },
  );

  app.put(
    `${members}/:member_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'UpdateMemberStatus',
        params: M.MemberParams,
        body: M.UpdateMemberStatusRequest,
        response: { 200: M.MemberResponse, ...errors },
      },
    },
    async (req) => {
      const p = req.params;
      const status = memberStatusOf(req.body.status);
      if (!status || req.body.status === 'accept' || req.body.status === 'reject') {
        throw new AppError(
          'validation',
          'Invalid update parameter value for the share member: status must be one of accepted, pending, rejected',
          { field: 'status', cbr: 'BackupService.6706' },
        );
      }
      const m = await svc().updateStatus(p.project_id, p.backup_id, p.member_id, status, req.body.vault_id);
      return { member: memberToWire(m) };
    },
  );

  app.delete(
    `${members}/:member_id`,
    { preValidation, schema: { tags, summary: 'DeleteMember', params: M.MemberParams, response: errors } },
    async (req, reply) => {
      const p = req.params;
      await svc().deleteMember(p.project_id, p.backup_id, p.member_id);
      return (reply as FastifyReply).code(204).send();
    },
  );
}
