// CBR v3 wire shapes (TypeBox): field names and types exactly as the seeds/spec spell them.
// Response schemas double as fast serializers; nullable fields are unions with null so that null stays null.
import { type Static, type TSchema, type TUnsafe, Type } from '@fastify/type-provider-typebox';

/**
 * Nullable: `type: [t, "null"]` rather than anyOf, so that fast-json-stringify serializes it without
 * trying each branch (anyOf costs a validation per value on every response).
 */
function N<T extends TSchema>(t: T): TUnsafe<Static<T> | null> {
  const type = (t as { type?: unknown }).type;
  return typeof type === 'string' && type !== 'object'
    ? Type.Unsafe<Static<T> | null>({ ...t, type: [type, 'null'] })
    : (Type.Union([t, Type.Null()]) as unknown as TUnsafe<Static<T> | null>);
}
const Str = Type.String();
const Int = Type.Integer();
const Bool = Type.Boolean();

export const ErrorBody = Type.Object({ error_code: Str, error_msg: Str });

// ------------------------------------------------------------------ versions
const Link = Type.Object({ href: Str, rel: Str });
export const Version = Type.Object({
  id: Str,
  status: Str,
  links: Type.Array(Link),
  updated: Str,
  min_version: Str,
  version: Str,
});
export const Versions = Type.Object({ versions: Type.Array(Version) });

// ------------------------------------------------------------------ backups
export const ImageData = Type.Object({ image_id: Str });

export const BackupExtendInfo = Type.Object({
  auto_trigger: Bool,
  bootable: N(Bool),
  incremental: Bool,
  snapshot_id: N(Str),
  support_lld: Bool,
  supported_restore_mode: N(Str),
  os_images_data: N(Type.Array(ImageData)),
  contain_system_disk: N(Bool),
  encrypted: Bool,
  system_disk: N(Bool),
  progress: N(Int),
  fail_reason: N(Str),
});

const backupFields = {
  checkpoint_id: Str,
  created_at: Str,
  description: N(Str),
  expired_at: N(Str),
  extend_info: BackupExtendInfo,
  id: Str,
  image_type: Str,
  name: Str,
  parent_id: N(Str),
  project_id: Str,
  protected_at: N(Str),
  resource_az: N(Str),
  resource_id: Str,
  resource_name: Str,
  resource_size: Int,
  resource_type: Str,
  status: Str,
  updated_at: N(Str),
  vault_id: Str,
  provider_id: Str,
  enterprise_project_id: Str,
  replication_records: Type.Array(Type.Object({})),
  incremental: Bool,
};

/** BackupResp (ListBackups items and children). */
/** A disk backup inside a server backup's `children`: its own `children` is always empty (as in the seed examples). */
const ChildBackupResp = Type.Object({
  ...backupFields,
  children: Type.Array(Type.Object({}), { maxItems: 0 }),
});
export const BackupResp = Type.Object({ ...backupFields, children: Type.Array(ChildBackupResp) });
/** BackupDetail (ShowBackup). */
export const BackupDetail = BackupResp;

export const ShowBackupResponse = Type.Object({ backup: BackupDetail });
export const ListBackupsResponse = Type.Object({
  backups: Type.Array(BackupResp),
  count: Int,
  offset: Int,
  limit: Int,
});

/**
 * ListBackups query as documented; values are parsed and checked in query.ts (repeatable status, CBR codes).
 * Every parameter accepts repetition at the schema level so that a repeated scalar (`limit=1&limit=2`) reaches
 * query.ts and gets its message ("must be given at most once") rather than a bare type error.
 */
const Repeatable = Type.Union([Str, Type.Array(Str)]);
export const ListBackupsQuery = Type.Object(
  {
    checkpoint_id: Type.Optional(Repeatable),
    dec: Type.Optional(Repeatable),
    end_time: Type.Optional(Repeatable),
    enterprise_project_id: Type.Optional(Repeatable),
    image_type: Type.Optional(Repeatable),
    limit: Type.Optional(Repeatable),
    marker: Type.Optional(Repeatable),
    member_status: Type.Optional(Repeatable),
    name: Type.Optional(Repeatable),
    offset: Type.Optional(Repeatable),
    own_type: Type.Optional(Repeatable),
    parent_id: Type.Optional(Repeatable),
    resource_az: Type.Optional(Repeatable),
    resource_id: Type.Optional(Repeatable),
    resource_name: Type.Optional(Repeatable),
    resource_type: Type.Optional(Repeatable),
    sort: Type.Optional(Repeatable),
    start_time: Type.Optional(Repeatable),
    status: Type.Optional(Repeatable),
    used_percent: Type.Optional(Repeatable),
    vault_id: Type.Optional(Repeatable),
    show_replication: Type.Optional(Repeatable),
    incremental: Type.Optional(Repeatable),
  },
  { additionalProperties: true },
);

export const RestoreMapping = Type.Object({
  backup_id: Type.String({ minLength: 1 }),
  volume_id: Type.String({ minLength: 1 }),
});
export const RestoreRequest = Type.Object({
  restore: Type.Object({
    server_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    volume_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    resource_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    // `[]` (what the OTC CLI sends) means no mapping given: restore to the original disks.
    mappings: Type.Optional(Type.Array(RestoreMapping, { maxItems: 256 })),
    power_on: Type.Optional(Bool),
  }),
});

export const UpdateBackupRequest = Type.Object({
  backup: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }),
});

// ------------------------------------------------------------------ checkpoints
export const CheckpointResourceResp = Type.Object({
  extra_info: N(Str),
  id: Str,
  name: Str,
  protect_status: Str,
  resource_size: Str,
  type: Str,
  backup_size: Str,
  backup_count: Str,
});
export const SkippedResourceResp = Type.Object({
  id: Str,
  type: N(Str),
  name: N(Str),
  code: Str,
  reason: Str,
});
export const CheckpointCreate = Type.Object({
  created_at: Str,
  id: Str,
  project_id: Str,
  status: Str,
  vault: Type.Object({
    id: Str,
    name: Str,
    resources: Type.Array(CheckpointResourceResp),
    skipped_resources: Type.Array(SkippedResourceResp),
  }),
  extra_info: Type.Object({ name: N(Str), description: N(Str), retention_duration: Int }),
});
export const CheckpointResponse = Type.Object({ checkpoint: CheckpointCreate });

const ResourceDetail = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.Optional(Type.String({ maxLength: 255 })),
});
export const CreateCheckpointRequest = Type.Object({
  checkpoint: Type.Object({
    vault_id: Type.String({ minLength: 1, maxLength: 64 }),
    parameters: Type.Optional(
      Type.Object({
        auto_trigger: Type.Optional(Bool),
        description: Type.Optional(Type.String({ maxLength: 255 })),
        incremental: Type.Optional(Bool),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
        resources: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 })),
        resource_details: Type.Optional(Type.Array(ResourceDetail, { maxItems: 256 })),
        policy_id: Type.Optional(N(Str)),
      }),
    ),
  }),
});

// ------------------------------------------------------------------ vaults
const ResourceExtraInfo = Type.Object({
  exclude_volumes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
});
export const ResourceCreate = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  extra_info: Type.Optional(ResourceExtraInfo),
});

export const ResourceResp = Type.Object({
  id: Str,
  name: Str,
  type: Str,
  protect_status: Str,
  size: Int,
  backup_size: Int,
  backup_count: Int,
  extra_info: Type.Object({ exclude_volumes: Type.Array(Str) }),
  auto_protect: Bool,
});

export const Billing = Type.Object({
  allocated: Int,
  charging_mode: Str,
  cloud_type: Str,
  consistent_level: Str,
  object_type: Str,
  order_id: N(Str),
  product_id: N(Str),
  protect_type: Str,
  size: Int,
  spec_code: Str,
  status: Str,
  storage_unit: N(Str),
  used: Int,
  frozen_scene: N(Str),
  is_multi_az: Bool,
});

export const VaultResp = Type.Object({
  id: Str,
  name: Str,
  description: N(Str),
  project_id: Str,
  provider_id: Str,
  billing: Billing,
  resources: Type.Array(ResourceResp),
  tags: Type.Array(Type.Object({ key: Str, value: Str })),
  enterprise_project_id: Str,
  auto_bind: Bool,
  bind_rules: Type.Object({ tags: Type.Optional(Type.Array(Type.Object({ key: Str, value: Str }))) }),
  user_id: N(Str),
  created_at: Str,
  updated_at: Str,
  auto_expand: Bool,
  smn_notify: Bool,
  threshold: Int,
  sys_lock_source_service: N(Str),
  locked: Bool,
  availability_zone: N(Str),
  backup_policy_id: N(Str),
});
export const VaultResponse = Type.Object({ vault: VaultResp });
export const ListVaultResponse = Type.Object({
  vaults: Type.Array(VaultResp),
  count: Int,
  limit: Int,
  offset: Int,
});

const Threshold = Type.Integer({ minimum: 1, maximum: 100 });
const VaultSize = Type.Integer({ minimum: 1, maximum: 10485760 });
/** VaultBindRules; its tags are checked by the service (src/domain/tags.ts) for CBR's key and value rules. */
const BindRules = Type.Object({ tags: Type.Optional(Type.Array(Type.Unknown())) });
export const CreateVaultRequest = Type.Object({
  vault: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 64 }),
    billing: Type.Object({
      consistent_level: Type.Union([Type.Literal('crash_consistent'), Type.Literal('app_consistent')]),
      object_type: Type.String({ minLength: 1, maxLength: 32 }),
      protect_type: Type.Union([Type.Literal('backup'), Type.Literal('replication')]),
      size: VaultSize,
      charging_mode: Type.Optional(Type.Union([Type.Literal('post_paid'), Type.Literal('pre_paid')])),
      cloud_type: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('hybrid')])),
      period_type: Type.Optional(Type.Union([Type.Literal('year'), Type.Literal('month')])),
      period_num: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      is_auto_renew: Type.Optional(Bool),
      is_auto_pay: Type.Optional(Bool),
      console_url: Type.Optional(Type.String({ maxLength: 255 })),
      is_multi_az: Type.Optional(Bool),
    }),
    resources: Type.Optional(Type.Array(ResourceCreate, { maxItems: 256 })),
    backup_policy_id: Type.Optional(N(Type.String({ maxLength: 64 }))),
    description: Type.Optional(Type.String({ maxLength: 255 })),
    enterprise_project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    auto_bind: Type.Optional(Bool),
    bind_rules: Type.Optional(BindRules),
    tags: Type.Optional(Type.Array(Type.Unknown())),
    auto_expand: Type.Optional(Bool),
    threshold: Type.Optional(Threshold),
    smn_notify: Type.Optional(Bool),
    locked: Type.Optional(Bool),
    availability_zone: Type.Optional(Type.String({ maxLength: 32 })),
  }),
});

export const UpdateVaultRequest = Type.Object({
  vault: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    billing: Type.Optional(
      Type.Object({
        size: Type.Optional(VaultSize),
        consistent_level: Type.Optional(
          Type.Union([Type.Literal('crash_consistent'), Type.Literal('app_consistent')]),
        ),
      }),
    ),
    auto_bind: Type.Optional(Bool),
    bind_rules: Type.Optional(BindRules),
    auto_expand: Type.Optional(Bool),
    smn_notify: Type.Optional(Bool),
    threshold: Type.Optional(Threshold),
    locked: Type.Optional(Bool),
  }),
});

export const BatchUpdateVaultRequest = Type.Object({
  vault: Type.Object({ smn_notify: Type.Optional(Bool), threshold: Type.Optional(Threshold) }),
});
export const BatchUpdateVaultResponse = Type.Object({ updated_vaults_id: Type.Array(Str) });

export const AddResourcesRequest = Type.Object({
  resources: Type.Array(ResourceCreate, { minItems: 1, maxItems: 256 }),
});
export const AddResourcesResponse = Type.Object({ add_resource_ids: Type.Array(Str) });
export const SetResourcesRequest = Type.Object({
  resource_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 256 }),
  action: Type.Union([Type.Literal('suspend'), Type.Literal('unsuspend')]),
});
export const SetResourcesResponse = Type.Object({ set_resource_ids: Type.Array(Str) });

export const RemoveResourcesRequest = Type.Object({
  resource_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 256 }),
});
export const RemoveResourcesResponse = Type.Object({ remove_resource_ids: Type.Array(Str) });
export const SummaryResponse = Type.Object({ size: Int, used_size: Int });

const LimitOffsetQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
};
export const ListVaultQuery = Type.Object({
  ...LimitOffsetQuery,
  name: Type.Optional(Type.String({ maxLength: 64 })),
  cloud_type: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('hybrid')])),
  protect_type: Type.Optional(Type.Union([Type.Literal('backup'), Type.Literal('replication')])),
  object_type: Type.Optional(Type.String({ maxLength: 32 })),
  enterprise_project_id: Type.Optional(Type.String({ maxLength: 64 })),
  // The SDK sends a list as a repeated parameter (`id=a&id=b`); one value is a list of one.
  id: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 })),
  marker: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  policy_id: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.String({ maxLength: 32 })),
  resource_ids: Type.Optional(Type.String({ maxLength: 4096 })),
});

export const ListExternalVaultQuery = Type.Object({
  ...LimitOffsetQuery,
  external_project_id: Type.String({ minLength: 1, maxLength: 64 }),
  region_id: Type.String({ minLength: 1, maxLength: 64 }),
  protect_type: Type.Optional(
    Type.Union([Type.Literal('backup'), Type.Literal('replication'), Type.Literal('hybrid')]),
  ),
  objcet_type: Type.Optional(Type.String({ maxLength: 32 })),
  cloud_type: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('hybrid')])),
  vault_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

// ------------------------------------------------------------------ operation logs
export const OperationLogResp = Type.Object({
  id: Str,
  project_id: Str,
  created_at: Str,
  started_at: Str,
  updated_at: Str,
  ended_at: N(Str),
  status: Str,
  operation_type: Str,
  checkpoint_id: N(Str),
  policy_id: N(Str),
  provider_id: Str,
  vault_id: N(Str),
  vault_name: N(Str),
  error_info: Type.Object({ code: N(Str), message: N(Str) }),
  extra_info: Type.Object({
    common: Type.Object({ progress: Int, request_id: Str, task_id: N(Str) }),
    resource: Type.Object({ id: Str, type: Str, name: Str }),
    backup: Type.Optional(
      Type.Object({
        backup_id: Str,
        backup_name: Str,
        incremental: N(Str),
        app_consistency_status: Str,
        app_consistency_error_code: Str,
        app_consistency_error_message: Str,
      }),
    ),
    restore: Type.Optional(
      Type.Object({
        backup_id: Str,
        backup_name: Str,
        target_resource_id: N(Str),
        target_resource_name: N(Str),
      }),
    ),
    delete: Type.Optional(Type.Object({ backup_id: Str, backup_name: Str })),
  }),
});
export const OperationLogResponse = Type.Object({ operation_log: OperationLogResp });
export const ListOperationLogsResponse = Type.Object({
  operation_logs: Type.Array(OperationLogResp),
  count: Int,
  limit: Int,
  offset: Int,
});
const FilterTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' });
export const ListOperationLogsQuery = Type.Object({
  ...LimitOffsetQuery,
  start_time: Type.Optional(FilterTime),
  end_time: Type.Optional(FilterTime),
  operation_type: Type.Optional(
    Type.Union(
      ['backup', 'copy', 'replication', 'delete', 'restore', 'vault_delete', 'remove_resource', 'sync'].map(
        (s) => Type.Literal(s),
      ),
    ),
  ),
  provider_id: Type.Optional(Type.String({ maxLength: 64 })),
  resource_id: Type.Optional(Type.String({ maxLength: 64 })),
  resource_name: Type.Optional(Type.String({ maxLength: 255 })),
  status: Type.Optional(
    Type.Union(['success', 'skipped', 'failed', 'running', 'timeout', 'waiting'].map((s) => Type.Literal(s))),
  ),
  vault_id: Type.Optional(Type.String({ maxLength: 64 })),
  vault_name: Type.Optional(Type.String({ maxLength: 255 })),
  enterprise_project_id: Type.Optional(Type.String({ maxLength: 64 })),
});

// ------------------------------------------------------------------ protectables
export const ProtectableResp = Type.Object({
  id: Str,
  name: Str,
  type: Str,
  status: Str,
  size: Int,
  detail: Type.Object({}, { additionalProperties: true }),
  children: Type.Array(
    Type.Object({
      id: Str,
      name: Str,
      type: Str,
      status: Str,
      size: Int,
      detail: Type.Object({}, { additionalProperties: true }),
      children: Type.Array(Type.Object({})),
    }),
  ),
  protectable: Type.Object({
    result: Bool,
    code: N(Str),
    reason: N(Str),
    message: N(Str),
    vault: N(Type.Object({ id: Str, name: Str }, { additionalProperties: true })),
  }),
});
export const ListProtectablesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  marker: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  status: Type.Optional(Type.String({ maxLength: 32 })),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  server_id: Type.Optional(Type.String({ maxLength: 64 })),
  enterprise_project_id: Type.Optional(Type.String({ maxLength: 64 })),
});
