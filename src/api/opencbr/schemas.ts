// opencbr inventory API wire shapes.
import { type Static, Type } from '@fastify/type-provider-typebox';

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

export const VolumeCreate = Type.Object({
  volume: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 255 }),
      path: Type.String({ minLength: 1, maxLength: 4096 }),
      availability_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      description: Type.Optional(Type.String({ maxLength: 255 })),
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

export const CbrError = Type.Object({ error_code: Type.String(), error_msg: Type.String() });
