// CBR v3 wire shapes of vault tags and resource instances (TMS style). Request schemas check the structure;
// the key and value rules (length, characters, trimming, duplicates) are CBR's and live in src/domain/tags.ts.
import { Type } from '@fastify/type-provider-typebox';
import { VaultResp } from './schemas.js';

const Str = Type.String();
const TagIn = Type.Object({ key: Str, value: Type.Optional(Str) });
const TagOut = Type.Object({ key: Str, value: Str });
const SysTagIn = Type.Object({ key: Str, value: Type.Optional(Str) });
const Condition = Type.Object({ key: Str, values: Type.Array(Str) });
/** limit and offset are strings on the wire (the SDKs send `"10"`); integers are taken too. */
const PageNumber = Type.Union([Type.String({ maxLength: 16 }), Type.Integer()]);

export const CreateVaultTagsRequest = Type.Object({ tag: TagIn });

export const BatchVaultTagsRequest = Type.Object({
  action: Type.Union([Type.Literal('create'), Type.Literal('delete')]),
  tags: Type.Optional(Type.Array(TagIn)),
  sys_tags: Type.Optional(Type.Array(SysTagIn)),
});

export const ShowVaultTagResponse = Type.Object({
  tags: Type.Array(TagOut),
  sys_tags: Type.Array(TagOut),
});

export const ShowProjectTagResponse = Type.Object({
  tags: Type.Array(Type.Object({ key: Str, values: Type.Array(Str) })),
});

export const ResourceInstancesRequest = Type.Object({
  action: Type.Optional(Type.Union([Type.Literal('filter'), Type.Literal('count')])),
  without_any_tag: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Type.Array(Condition)),
  tags_any: Type.Optional(Type.Array(Condition)),
  not_tags: Type.Optional(Type.Array(Condition)),
  not_tags_any: Type.Optional(Type.Array(Condition)),
  sys_tags: Type.Optional(Type.Array(Condition)),
  limit: Type.Optional(PageNumber),
  offset: Type.Optional(PageNumber),
  matches: Type.Optional(Type.Array(Type.Object({ key: Str, value: Str }), { maxItems: 1 })),
  cloud_type: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('hybrid')])),
  object_type: Type.Optional(Type.String({ maxLength: 32 })),
});

export const ResourceInstancesResponse = Type.Object({
  resources: Type.Optional(
    Type.Array(
      Type.Object({
        resource_id: Str,
        resource_name: Str,
        resource_detail: Type.Object({ vault: VaultResp }),
        tags: Type.Array(TagOut),
        sys_tags: Type.Array(TagOut),
      }),
    ),
  ),
  total_count: Type.Integer(),
});
