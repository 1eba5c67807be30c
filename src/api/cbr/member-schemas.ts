// CBR v3 backup sharing wire shapes (TypeBox): the member requests and the Member model of the spec.
import { Type } from '@fastify/type-provider-typebox';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const MemberParams = Type.Object({ project_id: Id, backup_id: Id, member_id: Id });

export const AddMemberRequest = Type.Object({
  members: Type.Array(Id, { minItems: 1, maxItems: 10 }),
  domains: Type.Optional(Type.Array(Id, { maxItems: 10 })),
});

export const UpdateMemberStatusRequest = Type.Object({
  status: Type.String({ minLength: 1, maxLength: 16 }),
  vault_id: Type.Optional(Id),
});

const Repeatable = Type.Union([Type.String(), Type.Array(Type.String())]);
export const ShowMembersDetailQuery = Type.Object(
  {
    dest_project_id: Type.Optional(Repeatable),
    image_id: Type.Optional(Repeatable),
    status: Type.Optional(Repeatable),
    vault_id: Type.Optional(Repeatable),
    limit: Type.Optional(Repeatable),
    marker: Type.Optional(Repeatable),
    offset: Type.Optional(Repeatable),
    sort: Type.Optional(Repeatable),
  },
  { additionalProperties: true },
);

export const MemberResp = Type.Object({
  id: Type.String(),
  status: Type.String(),
  backup_id: Type.String(),
  dest_project_id: Type.String(),
  vault_id: Nullable(Type.String()),
  image_id: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const MembersResponse = Type.Object({ members: Type.Array(MemberResp), count: Type.Integer() });
export const MemberResponse = Type.Object({ member: MemberResp });
