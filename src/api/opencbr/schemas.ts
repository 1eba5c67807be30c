// opencbr's own API wire shapes: the inventory, and backup verification.
import { type Static, type TSchema, Type } from '@fastify/type-provider-typebox';

export const ProjectParams = Type.Object({ project_id: Type.String({ maxLength: 64 }) });
export const IdParams = Type.Object({
  project_id: Type.String({ maxLength: 64 }),
  id: Type.String({ maxLength: 64 }),
});
export type IdParams = Static<typeof IdParams>;

export const ListQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 255 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  // Past 2^53 a number is no longer an exact integer, and the catalog cannot bind it.
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
export type ListQuery = Static<typeof ListQuery>;

/** A tag of a volume or server; the key and value rules are CBR's (src/domain/tags.ts). */
export const TagView = Type.Object({ key: Type.String(), value: Type.String() });
const TagsIn = Type.Array(Type.Object({ key: Type.String(), value: Type.String() }));

export const VolumeCreate = Type.Object({
  volume: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 255 }),
      path: Type.String({ minLength: 1, maxLength: 4096 }),
      availability_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      description: Type.Optional(Type.String({ maxLength: 255 })),
      tags: Type.Optional(TagsIn),
    },
    { additionalProperties: false },
  ),
});
export type VolumeCreate = Static<typeof VolumeCreate>;

export const ServerCreate = Type.Object({
  server: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 255 }),
      volume_ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 64 }),
      availability_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      description: Type.Optional(Type.String({ maxLength: 255 })),
      tags: Type.Optional(TagsIn),
    },
    { additionalProperties: false },
  ),
});
export type ServerCreate = Static<typeof ServerCreate>;

export const VolumeView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  path: Type.String(),
  size: Type.Integer({ description: 'bytes' }),
  size_gb: Type.Integer({ description: 'GiB, rounded up' }),
  type: Type.String({ description: 'file | block' }),
  availability_zone: Type.String(),
  status: Type.String({ description: 'available | in-use' }),
  server_id: Type.Union([Type.String(), Type.Null()]),
  bootable: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const ServerView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  availability_zone: Type.String(),
  status: Type.String(),
  volume_ids: Type.Array(Type.String()),
  volumes: Type.Array(VolumeView),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const TagsRequest = Type.Object({ tags: TagsIn }, { additionalProperties: false });
export type TagsRequest = Static<typeof TagsRequest>;
/** A resource's tags, and the vault auto-bind put it in when it was declared or tagged (else null). */
export const TaggedView = Type.Object({
  tags: Type.Array(TagView),
  auto_bound_vault_id: Type.Union([Type.String(), Type.Null()]),
});
export const TagKeyParams = Type.Object({
  project_id: Type.String({ maxLength: 64 }),
  id: Type.String({ maxLength: 64 }),
  key: Type.String({ maxLength: 255 }),
});
export type TagKeyParams = Static<typeof TagKeyParams>;

export const CbrError = Type.Object({ error_code: Type.String(), error_msg: Type.String() });

export const BackupParams = Type.Object({
  project_id: Type.String({ maxLength: 64 }),
  backup_id: Type.String({ maxLength: 64 }),
});
export type BackupParams = Static<typeof BackupParams>;

export const OplogParams = Type.Object({
  project_id: Type.String({ maxLength: 64 }),
  operation_log_id: Type.String({ maxLength: 64 }),
});
export type OplogParams = Static<typeof OplogParams>;

export const VerifyStarted = Type.Object({
  operation_log_id: Type.String({ description: 'poll GET /opencbr/v1/{project_id}/operation-logs/{id}' }),
  job_id: Type.String({ description: 'the durable job running the verification (the same id)' }),
});

const N = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const BadRegionView = Type.Object({
  offset: Type.Integer({ description: 'byte offset in the disk' }),
  length: Type.Integer({ description: 'bytes' }),
  reason: Type.String(),
});

export const VerifyDiskView = Type.Object({
  backup_id: Type.String({
    description: 'the disk backup (a server backup child, or the volume backup itself)',
  }),
  resource_id: Type.String(),
  resource_name: Type.String(),
  volume_bytes: Type.Integer(),
  verified_bytes: Type.Integer(),
  bad_regions: Type.Array(BadRegionView),
  damaged_objects: Type.Array(
    Type.Object({ key: Type.String(), reason: Type.String() }, { description: 'damaged but still readable' }),
  ),
  error: N(Type.String()),
});

/** CBR's ShowOpLog shape, with opencbr's own `verify` section. */
export const VerifyOpLogView = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  created_at: Type.String(),
  started_at: Type.String(),
  updated_at: Type.String(),
  ended_at: N(Type.String()),
  status: Type.String({ description: 'waiting | running | success | failed' }),
  operation_type: Type.Literal('verify'),
  checkpoint_id: N(Type.String()),
  policy_id: N(Type.String()),
  provider_id: Type.String(),
  vault_id: N(Type.String()),
  vault_name: N(Type.String()),
  error_info: Type.Object({ code: N(Type.String()), message: N(Type.String()) }),
  extra_info: Type.Object({
    common: Type.Object({ progress: Type.Integer(), request_id: Type.String(), task_id: N(Type.String()) }),
    resource: Type.Object({ id: Type.String(), type: Type.String(), name: Type.String() }),
    verify: Type.Object({
      backup_id: Type.String(),
      backup_name: Type.String(),
      total_bytes: N(Type.Integer()),
      verified_bytes: N(Type.Integer()),
      summary: N(Type.String()),
      disks: Type.Array(VerifyDiskView),
    }),
  }),
});
