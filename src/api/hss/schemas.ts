// Wire shapes of the HSS v5 ransomware-prevention backup APIs (seed 004 + the SDK models), as HSS spells them.
import { type Static, Type } from '@fastify/type-provider-typebox';

const Str = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });

export const ProjectParams = Type.Object({ project_id: Str(256, 1) });
export const BackupIdParams = Type.Object({ project_id: Str(256, 1), backup_id: Str(64) });
export const PolicyIdParams = Type.Object({ project_id: Str(256, 1), policy_id: Str(128, 1) });

/** Queries are strings on the wire; numbers are parsed and range-checked by hand (HSS.0001 on failure). */
export const Query = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

// ---- backups

export const BackupResp = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  image_type: Type.Optional(Type.String()),
  vault_id: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  resource_size: Type.Optional(Type.Integer()),
  resource_id: Type.Optional(Type.String()),
  resource_type: Type.Optional(Type.String()),
  resource_name: Type.Optional(Type.String()),
});
export type BackupResp = Static<typeof BackupResp>;

/** Seed 004 Table 4: flat, no wrapper; created_at is an integer epoch (milliseconds). */
export const BackupDetail = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  image_type: Type.Optional(Type.String()),
  vault_id: Type.Optional(Type.String()),
  created_at: Type.Optional(Type.Integer()),
  status: Type.Optional(Type.String()),
  resource_size: Type.Optional(Type.Integer()),
  resource_id: Type.Optional(Type.String()),
  resource_type: Type.Optional(Type.String()),
  resource_name: Type.Optional(Type.String()),
  children: Type.Optional(Type.Array(BackupResp)),
});
export type BackupDetail = Static<typeof BackupDetail>;

export const BackCopy = Type.Object({
  backup_id: Type.String(),
  backup_name: Type.String(),
  backup_status: Type.String(),
  create_time: Type.Integer(),
  os_images_data: Type.Array(Type.Object({ image_id: Type.String() })),
  backup_tag: Type.Integer(),
});
export type BackCopy = Static<typeof BackCopy>;

const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ total_num: Type.Integer(), data_list: Type.Array(item) });

export const BackCopyList = listOf(BackCopy);

// ---- backup policies

export const OperationDefinition = Type.Object(
  {
    day_backups: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    week_backups: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    month_backups: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    year_backups: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    max_backups: Type.Optional(Type.Integer({ minimum: -1, maximum: 99999 })),
    retention_duration_days: Type.Optional(Type.Integer({ minimum: -1, maximum: 99999 })),
    timezone: Type.Optional(Str(32)),
  },
  { additionalProperties: false },
);
export type OperationDefinition = Static<typeof OperationDefinition>;

export const BackupPolicy = Type.Object({
  enabled: Type.Boolean(),
  id: Type.String(),
  name: Type.String(),
  operation_type: Type.String(),
  operation_definition: OperationDefinition,
  trigger: Type.Object({
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    properties: Type.Object({ pattern: Type.Array(Type.String()), start_time: Type.String() }),
  }),
});
export type BackupPolicy = Static<typeof BackupPolicy>;
export const BackupPolicyList = listOf(BackupPolicy);

const Pattern = Type.Array(Str(256, 1), { minItems: 1, maxItems: 24 });

export const UpdateBackupPolicyBody = Type.Object(
  {
    policy_id: Str(256, 1),
    enabled: Type.Optional(Type.Boolean()),
    operation_definition: Type.Optional(OperationDefinition),
    trigger: Type.Optional(
      Type.Object({ properties: Type.Object({ pattern: Pattern }, { additionalProperties: false }) }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateBackupPolicyBody = Static<typeof UpdateBackupPolicyBody>;

export const AssociatePolicyBody = Type.Object(
  { vault_id: Str(128, 1), policy_id: Str(128, 1) },
  { additionalProperties: false },
);
export type AssociatePolicyBody = Static<typeof AssociatePolicyBody>;

// ---- vaults

export const BackupVaultInfo = Type.Object({
  vault_id: Type.String(),
  vault_name: Type.String(),
  vault_size: Type.Integer(),
  vault_used: Type.Integer(),
  vault_allocated: Type.Integer(),
  vault_charging_mode: Type.String(),
  vault_status: Type.String(),
  backup_policy_id: Type.String(),
  backup_policy_name: Type.String(),
  backup_policy_enabled: Type.Boolean(),
  resources_num: Type.Integer(),
});
export type BackupVaultInfo = Static<typeof BackupVaultInfo>;
export const BackupVaultList = listOf(BackupVaultInfo);

// ---- operation logs (restores)

export const RestoreLog = Type.Object({
  host_id: Type.String(),
  host_name: Type.String(),
  backup_name: Type.String(),
  process: Type.Integer(),
  status: Type.String(),
  started_at: Type.String(),
  ended_at: Type.String(),
  error_info: Type.Object({ code: Type.String(), message: Type.String() }),
});
export type RestoreLog = Static<typeof RestoreLog>;
export const RestoreLogList = listOf(RestoreLog);

// ---- restore / delete of a backup

export const RestoreBody = Type.Object(
  {
    server_id: Str(128, 1),
    power_on: Type.Optional(Type.Boolean()),
    mappings: Type.Optional(
      Type.Array(
        Type.Object({ backup_id: Str(128, 1), volume_id: Str(128) }, { additionalProperties: false }),
        { maxItems: 64 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type RestoreBody = Static<typeof RestoreBody>;

// ---- protection on/off

const OnOff = Type.Union([Type.Literal('opened'), Type.Literal('closed')]);
const Os = Type.Union([Type.Literal('Windows'), Type.Literal('Linux')]);
const IdList = Type.Array(Str(64), { maxItems: 64 });

export const ProtectionPolicyFields = {
  policy_name: Str(128, 1),
  protection_mode: Type.Union([Type.Literal('alarm_and_isolation'), Type.Literal('alarm_only')]),
  bait_protection_status: Type.Optional(Type.Union([Type.Literal('opened'), Type.Literal('closed')])),
  deploy_mode: Type.Optional(OnOff),
  protection_directory: Str(256, 1),
  protection_type: Str(1024, 1),
  exclude_directory: Type.Optional(Str(256)),
  runtime_detection_status: Type.Optional(OnOff),
  runtime_detection_directory: Type.Optional(Str(256)),
  operating_system: Os,
  process_whitelist: Type.Optional(
    Type.Array(Type.Object({ path: Str(128), hash: Str(128) }, { additionalProperties: false }), {
      maxItems: 200,
    }),
  ),
  ai_protection_status: Type.Optional(OnOff),
};

export const ProtectionPolicyCreate = Type.Object(
  { policy_id: Type.Optional(Str(128)), ...ProtectionPolicyFields },
  { additionalProperties: false },
);
export type ProtectionPolicyCreate = Static<typeof ProtectionPolicyCreate>;

export const ProtectionPolicyUpdate = Type.Object(
  {
    policy_id: Str(128, 1),
    agent_id_list: Type.Optional(Type.Array(Str(64), { maxItems: 1000 })),
    ...ProtectionPolicyFields,
  },
  { additionalProperties: false },
);
export type ProtectionPolicyUpdate = Static<typeof ProtectionPolicyUpdate>;

export const ProtectionPolicy = Type.Object({
  policy_id: Type.String(),
  policy_name: Type.String(),
  protection_mode: Type.String(),
  bait_protection_status: Type.String(),
  deploy_mode: Type.String(),
  protection_directory: Type.String(),
  protection_type: Type.String(),
  exclude_directory: Type.String(),
  runtime_detection_status: Type.String(),
  runtime_detection_directory: Type.String(),
  count_associated_server: Type.Integer(),
  operating_system: Type.String(),
  process_whitelist: Type.Array(Type.Object({ path: Type.String(), hash: Type.String() })),
  default_policy: Type.Integer(),
  ai_protection_status: Type.String(),
});
export type ProtectionPolicy = Static<typeof ProtectionPolicy>;
export const ProtectionPolicyList = listOf(ProtectionPolicy);

const BackupCycle = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    policy_id: Type.Optional(Str(64)),
    operation_definition: Type.Optional(OperationDefinition),
    trigger: Type.Optional(Type.Object({ properties: Type.Object({ pattern: Pattern }) })),
  },
  { additionalProperties: false },
);

export const StartProtectionBody = Type.Object(
  {
    operating_system: Os,
    ransom_protection_status: OnOff,
    protection_policy_id: Type.Optional(Str(64)),
    create_protection_policy: Type.Optional(ProtectionPolicyCreate),
    backup_protection_status: OnOff,
    backup_resources: Type.Optional(
      Type.Object(
        {
          vault_id: Type.Optional(Str(64)),
          resource_list: Type.Optional(
            Type.Array(
              Type.Object(
                { host_id: Str(64, 1), history_backup_status: Type.Optional(OnOff) },
                { additionalProperties: false },
              ),
              { maxItems: 20 },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    backup_policy_id: Type.Optional(Str(64)),
    backup_cycle: Type.Optional(BackupCycle),
    agent_id_list: IdList,
    host_id_list: IdList,
  },
  { additionalProperties: false },
);
export type StartProtectionBody = Static<typeof StartProtectionBody>;

export const BatchStartProtectionBody = Type.Object(
  {
    operating_system: Os,
    ransom_protection_status: OnOff,
    protection_policy_id: Type.Optional(Str(64)),
    backup_protection_status: OnOff,
    vault_id: Type.Optional(Str(64)),
    host_id_list: IdList,
  },
  { additionalProperties: false },
);
export type BatchStartProtectionBody = Static<typeof BatchStartProtectionBody>;

export const StopProtectionBody = Type.Object(
  {
    host_id_list: Type.Array(Str(64), { maxItems: 20 }),
    agent_id_list: Type.Array(Str(64), { maxItems: 20 }),
    close_protection_type: Type.Literal('close_anti'),
  },
  { additionalProperties: false },
);
export type StopProtectionBody = Static<typeof StopProtectionBody>;

export const AssociateProtectionPolicyBody = Type.Object(
  {
    target_protection_policy_id: Str(128, 1),
    host_id_list: Type.Optional(Type.Array(Str(64), { maxItems: 64 })),
  },
  { additionalProperties: false },
);
export type AssociateProtectionPolicyBody = Static<typeof AssociateProtectionPolicyBody>;

// ---- protected servers

export const ProtectionServer = Type.Object({
  project_id: Type.String(),
  enterprise_project_id: Type.String(),
  host_id: Type.String(),
  agent_id: Type.String(),
  host_name: Type.String(),
  host_ip: Type.String(),
  private_ip: Type.String(),
  os_type: Type.String(),
  os_name: Type.String(),
  host_status: Type.String(),
  ransom_protection_status: Type.String(),
  agent_version: Type.String(),
  protect_status: Type.String(),
  group_id: Type.String(),
  group_name: Type.String(),
  protect_policy_id: Type.String(),
  protect_policy_name: Type.String(),
  backup_error: Type.Object({ error_code: Type.Integer(), error_description: Type.String() }),
  backup_protection_status: Type.String(),
  count_protect_event: Type.Integer(),
  count_backuped: Type.Integer(),
  agent_status: Type.String(),
  version: Type.String(),
  host_source: Type.String(),
  // The vault and its backup policy, as ListBackupVaults shows them.
  ...BackupVaultInfo.properties,
});
export type ProtectionServer = Static<typeof ProtectionServer>;
export const ProtectionServerList = listOf(ProtectionServer);
